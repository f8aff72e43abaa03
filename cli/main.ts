// cpx-link: the command line IT teams and support use. Dispatches to one file per command in commands/.
// Exit codes follow protocol/errors.ts ExitClass, so scripts can branch on the kind of failure.

import { parseArgs } from 'node:util';
import { ExitClass, isLang, type Lang } from '../protocol/errors.ts';
import { CliContext, usageError, type CliIO } from './context.ts';
import { TEXT } from './text.ts';
import { authenticateCommand } from './commands/authenticate.ts';
import { cardCommand } from './commands/card.ts';
import { diagnoseCommand } from './commands/diagnose.ts';
import { pinCommand } from './commands/pin.ts';

const COMMANDS = ['diagnose', 'card', 'authenticate', 'verify-token', 'pin'] as const;
type Command = (typeof COMMANDS)[number];

const defaultIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });

/** Reads --json and --lang wherever they are, so even a usage error is reported in the right form. */
function globalFlags(argv: string[]): { json: boolean; lang: Lang } {
  const json = argv.includes('--json');
  let lang: Lang = 'fr';
  argv.forEach((a, i) => {
    const v = a.startsWith('--lang=') ? a.slice(7) : a === '--lang' ? argv[i + 1] : undefined;
    if (isLang(v)) lang = v;
  });
  return { json, lang };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const { json, lang } = globalFlags(argv);
  const ctx = new CliContext(json, lang, io);
  try {
    const command = argv.find((a) => !a.startsWith('-')) as Command | undefined;
    if (argv.includes('--help') || argv.includes('-h') || command === undefined || (command as string) === 'help') {
      io.stdout.write(`${TEXT[lang].usage}\n`);
      return command === undefined && !argv.includes('--help') && !argv.includes('-h') ? ExitClass.usage : ExitClass.ok;
    }
    if (!COMMANDS.includes(command)) throw usageError(TEXT[lang].unknownCommand(command));
    const rest = argv.filter((a, i) => i !== argv.indexOf(command));
    return await run(ctx, command, rest);
  } catch (err) {
    return ctx.fail(err);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

async function run(ctx: CliContext, command: Command, argv: string[]): Promise<number> {
  if (command === 'verify-token') return verifyToken(ctx, argv);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      // `pin change|unblock`: the action is the one positional.
      allowPositionals: command === 'pin',
      options: {
        json: { type: 'boolean' },
        lang: { type: 'string' },
        ...(command === 'authenticate' || command === 'pin' ? {
          reader: { type: 'string' }, 'pin-stdin': { type: 'boolean' }, 'refuse-final-try': { type: 'boolean' },
        } : {}),
        ...(command === 'authenticate' ? { origin: { type: 'string' }, nonce: { type: 'string' } } : {}),
      },
    }));
  } catch (err) {
    throw usageError(ctx.text.badOption(String((err as Error).message).replace(/^.*?'(.*?)'.*$/s, '$1')));
  }
  if (values.lang !== undefined && !isLang(values.lang)) throw usageError(`--lang ${String(values.lang)}`);
  switch (command) {
    case 'diagnose': return diagnoseCommand(ctx);
    case 'card': return cardCommand(ctx);
    case 'authenticate':
      return authenticateCommand(ctx, {
        origin: values.origin as string | undefined,
        nonce: values.nonce as string | undefined,
        reader: values.reader as string | undefined,
        pinStdin: values['pin-stdin'] === true,
        refuseFinalTry: values['refuse-final-try'] === true,
      });
    case 'pin':
      if (positionals.length > 1) throw usageError(ctx.text.badAction(positionals.join(' ')));
      return pinCommand(ctx, {
        action: positionals[0],
        reader: values.reader as string | undefined,
        pinStdin: values['pin-stdin'] === true,
        refuseFinalTry: values['refuse-final-try'] === true,
      });
  }
}

/** verify-token lives in commands/verify-token.ts (written with the validator); loaded only when asked for. */
async function verifyToken(ctx: CliContext, argv: string[]): Promise<number> {
  const { verifyTokenCommand } = await import('./commands/verify-token.ts');
  return verifyTokenCommand(ctx, argv);
}
