// The PIN prompt on a real terminal (a pseudo-terminal from util-linux `script`): no echo, digits only,
// backspace edits, Ctrl-C cancels without touching the card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BIN, useCliSimulator } from './run-cli.ts';

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const fx = useCliSimulator(1);

/** Runs cpx-link on a pseudo-terminal; each time `prompt` appears in the output, the next keys are typed. */
function onTerminal(args: string[], steps: { prompt: RegExp; keys: string }[]): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { env: { ...process.env, ...fx.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let next = 0;
    let seenUpTo = 0;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no exit; screen: ${screen}`)); }, 60_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      screen += c;
      const step = steps[next];
      if (step && step.prompt.test(screen.slice(seenUpTo))) {
        next++;
        seenUpTo = screen.length;
        child.stdin.write(step.keys);
      }
    });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, screen }); });
  });
}

const nonce = () => randomBytes(32).toString('base64');

test('the PIN typed on the terminal is not echoed; backspace edits it, letters are ignored', { skip: !HAS_SCRIPT && 'no script(1)' }, async () => {
  await fx.sim.insert('cps-medecin', 0);
  // Types 1, 2, 9, backspace, x (ignored), 3, 4, Enter: the PIN is 1234.
  const run = await onTerminal(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--json'],
    [{ prompt: /Code porteur : $/, keys: '129\x7fx34\r' }]);
  assert.equal(run.code, 0, run.screen);
  const afterPrompt = run.screen.slice(run.screen.indexOf('Code porteur : ') + 'Code porteur : '.length);
  assert.match(afterPrompt, /^\r?\n/, `nothing echoed after the prompt: ${JSON.stringify(run.screen)}`);
  assert.match(run.screen, /"format":"web-eid:1.0"/);
  assert.equal(fx.sim.status().readers[0]!.card!.triesLeft, 3);
});

test('Ctrl-C at the PIN prompt cancels: CANCELLED, no C_Login', { skip: !HAS_SCRIPT && 'no script(1)' }, async () => {
  const logins = fx.sim.counters().C_Login ?? 0;
  const run = await onTerminal(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--json', '--lang', 'en'],
    [{ prompt: /PIN: $/, keys: '12\x03' }]);
  assert.match(run.screen, /"code":"CANCELLED"/);
  assert.equal(run.code, 6);
  assert.equal(fx.sim.counters().C_Login ?? 0, logins);
});

test('on its final try the card is used only after the user confirms', { skip: !HAS_SCRIPT && 'no script(1)' }, async () => {
  fx.sim.remove(0);
  const card = await fx.sim.insert('cps-medecin', 0);
  fx.sim.resetPinCounter(card.cardId, 1);
  const refused = await onTerminal(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--json'],
    [{ prompt: /Continuer \? \[o\/N\] $/, keys: 'n\r' }]);
  assert.match(refused.screen, /dernier essai/);
  assert.match(refused.screen, /"code":"CANCELLED"/);
  assert.equal(fx.sim.status().readers[0]!.card!.triesLeft, 1);
  const confirmed = await onTerminal(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--json'],
    [{ prompt: /Continuer \? \[o\/N\] $/, keys: 'o\r' }, { prompt: /Code porteur : $/, keys: '1234\r' }]);
  assert.equal(confirmed.code, 0, confirmed.screen);
  assert.equal(fx.sim.status().readers[0]!.card!.triesLeft, 3);
});
