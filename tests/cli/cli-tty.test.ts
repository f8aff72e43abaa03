// The PIN prompt on a real terminal (a pseudo-terminal from util-linux `script`): no echo, digits only,
// backspace edits, Ctrl-C cancels without touching the card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { HAS_SCRIPT, onTerminal as onTerminalIn, useCliSimulator } from './run-cli.ts';

const fx = useCliSimulator(1);

const onTerminal = (args: string[], steps: { prompt: RegExp; keys: string }[]) => onTerminalIn(args, fx.env, steps);

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
