// `cpx-link verify-token --token FILE --origin URL --nonce NONCE --trust PEM… [--crl FILE…] [--revocation hard|soft|off]
// [--intermediate PEM…] [--at ISO-TIME] [--require-cpx] [--json] [--lang en]`: runs the account service's validator on
// a token, for integrators debugging tokens and for outside checks. Any Web eID token that chains to --trust is
// valid (another country's eID card too: "holder": null when the certificate names no CPx holder); --require-cpx
// adds the account service's own rule, a CPx holder (CARD_NOT_RECOGNISED otherwise). JSON shape (contracts.md):
// {"valid":true,"holder":{…}|null} or {"valid":false,"error":{"code","message"}}; exit 0 when valid, the error's
// exit class otherwise.
import { readFileSync } from 'node:fs';
import { CpxError, errorMessage, toCpxError, type Lang } from '../../protocol/errors.ts';
import { formatNationalId } from '../../protocol/identity.ts';
import { TokenValidator, type RevocationMode, type WebEidValidation } from '../../server/validator/index.ts';
import { exitCodeOf, usageError, type CliContext } from '../context.ts';

const TEXT = {
  fr: {
    valid: 'Jeton valide.',
    refused: 'Jeton refusé',
    cardType: 'Type de carte',
    subject: 'Certificat',
    issuer: 'Émetteur',
    notAfter: "Valable jusqu'au",
    fingerprint: 'Empreinte SHA-256',
    algorithm: 'Algorithme',
    warning: 'Attention',
    inferred: " (déduit de l'identifiant)",
    noCpxHolder: 'aucun titulaire CPx (carte eID hors CPx ; --require-cpx la refuse)',
  },
  en: {
    valid: 'Valid token.',
    refused: 'Token refused',
    cardType: 'Card type',
    subject: 'Certificate',
    issuer: 'Issuer',
    notAfter: 'Valid until',
    fingerprint: 'SHA-256 fingerprint',
    algorithm: 'Algorithm',
    warning: 'Warning',
    inferred: ' (inferred from the identifier)',
    noCpxHolder: 'no CPx holder (an eID card outside CPx; --require-cpx refuses it)',
  },
} satisfies Record<Lang, Record<string, string>>;

export interface VerifyTokenArgs {
  token: string;
  origin: string;
  nonce: string;
  trust: string[];
  intermediates: string[];
  crl: string[];
  revocation: RevocationMode;
  at: Date | null;
  /** Also require a CPx holder, as the account service does. */
  requireCpx: boolean;
}

const LISTS = new Set(['trust', 'crl', 'intermediate']);
const SINGLE = new Set(['token', 'origin', 'nonce', 'revocation', 'at', 'lang']);
const FLAGS = new Set(['json', 'require-cpx']);

/**
 * Options as the contract writes them: `--trust a.pem b.pem` (a list after one flag), `--trust a.pem --trust b.pem`,
 * and `--name=value` all work.
 */
export function parseVerifyTokenArgs(argv: readonly string[], words?: Pick<CliContext['text'], 'missing' | 'badOption'>): VerifyTokenArgs {
  const missing = (o: string) => usageError(words ? words.missing(o) : o);
  const bad = (o: string) => usageError(words ? words.badOption(o) : o);
  const single = new Map<string, string>();
  const lists = new Map<string, string[]>([...LISTS].map((k) => [k, []]));
  const flags = new Set<string>();
  let current: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      current = null;
      if (FLAGS.has(name)) {
        if (inline !== undefined) throw bad(arg);
        flags.add(name);
        continue;
      }
      if (LISTS.has(name)) {
        if (inline !== undefined) lists.get(name)!.push(inline);
        else current = name;
        continue;
      }
      if (!SINGLE.has(name)) throw bad(`--${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw missing(`--${name}`);
      single.set(name, value);
    } else if (current) {
      lists.get(current)!.push(arg);
    } else {
      throw bad(arg);
    }
  }
  const required = (name: string) => {
    const v = single.get(name);
    if (!v) throw missing(`--${name}`);
    return v;
  };
  const revocation = single.get('revocation') ?? 'hard';
  if (revocation !== 'hard' && revocation !== 'soft' && revocation !== 'off') throw bad(`--revocation ${revocation}`);
  const atText = single.get('at');
  const at = atText === undefined ? null : new Date(atText);
  if (at && Number.isNaN(at.getTime())) throw bad(`--at ${atText}`);
  const trust = lists.get('trust')!;
  if (!trust.length) throw missing('--trust');
  return {
    token: required('token'), origin: required('origin'), nonce: required('nonce'), trust,
    intermediates: lists.get('intermediate')!, crl: lists.get('crl')!, revocation, at, requireCpx: flags.has('require-cpx'),
  };
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CpxError('BAD_REQUEST', { detail: `${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'illisible'}` }, { cause: err });
  }
}

/** A trust file: PEM text (one or several certificates) or a DER certificate. */
function certificateInput(path: string): string | Uint8Array {
  const bytes = readInput(path, '--trust');
  const text = bytes.toString('utf8');
  return text.includes('-----BEGIN') ? text : new Uint8Array(bytes);
}

async function readStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The result as printed by --json: the contract's fields first, then what helps debugging. */
export function resultJson(r: WebEidValidation, lang: Lang = 'fr'): Record<string, unknown> {
  return {
    valid: true,
    holder: r.holder,
    cardType: r.cardType,
    cardTypeInferred: r.cardTypeInferred,
    subject: r.subject,
    issuer: r.issuer,
    serialNumber: r.serialNumber,
    notAfter: r.notAfter,
    fingerprint: r.fingerprint,
    algorithm: r.algorithm,
    ...(r.warnings.length ? { warnings: r.warnings.map((w) => ({ code: w.code, message: errorMessage(w.code, lang, w.params) })) } : {}),
  };
}

export async function verifyTokenCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const t = TEXT[ctx.lang];
  let result: WebEidValidation;
  try {
    const args = parseVerifyTokenArgs(argv, ctx.text);
    // `--token -` reads the token from stdin (e.g. piped from `cpx-link authenticate --json`).
    const token = (args.token === '-' ? await readStdin(ctx) : readInput(args.token, '--token').toString('utf8')).trim();
    const validator = new TokenValidator({
      trustAnchors: args.trust.map(certificateInput),
      intermediates: args.intermediates.map(certificateInput),
      crls: { files: args.crl },
      revocation: args.revocation,
      ...(args.at ? { clock: () => args.at! } : {}),
    });
    const expected = { origin: args.origin, nonce: args.nonce };
    result = await (args.requireCpx ? validator.validate(token, expected) : validator.validateWebEid(token, expected));
  } catch (err) {
    const e = toCpxError(err);
    const message = errorMessage(e.code, ctx.lang, e.params);
    if (ctx.json) ctx.printJson({ valid: false, error: { code: e.code, message } });
    else ctx.out(`${t.refused}${ctx.lang === 'fr' ? ' :' : ':'} ${message} [${e.code}]`);
    return exitCodeOf(e);
  }
  if (ctx.json) {
    ctx.printJson(resultJson(result, ctx.lang));
    return 0;
  }
  const sep = ctx.lang === 'fr' ? ' : ' : ': ';
  const h = result.holder;
  ctx.out(t.valid);
  if (h) {
    ctx.out(`${ctx.text.holder}${sep}${[h.surname, h.givenName].filter(Boolean).join(' ')}`);
    if (h.profession) ctx.out(`${ctx.text.profession}${sep}${h.profession}`);
    if (h.organisation) ctx.out(`${ctx.text.organisation}${sep}${h.organisation}`);
    ctx.out(`${ctx.text.nationalId}${sep}${formatNationalId(h.nationalId)}`);
  } else {
    ctx.out(`${ctx.text.holder}${sep}${t.noCpxHolder}`);
  }
  if (result.cardType) ctx.out(`${t.cardType}${sep}${result.cardType}${result.cardTypeInferred ? t.inferred : ''}`);
  ctx.out(`${t.subject}${sep}${result.subject}`);
  ctx.out(`${t.issuer}${sep}${result.issuer}`);
  ctx.out(`${t.notAfter}${sep}${result.notAfter}`);
  ctx.out(`${t.algorithm}${sep}${result.algorithm}`);
  ctx.out(`${t.fingerprint}${sep}${result.fingerprint}`);
  for (const w of result.warnings) ctx.out(`${t.warning}${sep}${errorMessage(w.code, ctx.lang, w.params)} [${w.code}]`);
  return 0;
}

export default verifyTokenCommand;
