// `cpx-link pin change|unblock` as IT scripts call it (../shared/contracts.md): one code per stdin line, the
// contract's JSON shapes and exit classes, and on a real terminal (util-linux `script`) no echo and the new PIN
// asked twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ExitClass } from '../../protocol/errors.ts';
import { HAS_SCRIPT, json, onTerminal as onTerminalIn, runCli, runMain, useCliSimulator } from './run-cli.ts';

const fx = useCliSimulator(1);
const keys = (o: unknown) => Object.keys(o as object).sort();
const authenticate = (pin: string) => runMain(['authenticate', '--origin', 'https://example.org', '--nonce', randomBytes(32).toString('base64'),
  '--pin-stdin', '--json'], fx.env, `${pin}\n`);

test('pin change --pin-stdin --json: current PIN then new PIN on stdin; the new one signs, the old one no longer does', async () => {
  await fx.sim.insert('cps-medecin', 0);
  const run = await runCli(['pin', 'change', '--pin-stdin', '--json'], fx.env, '1234\n4321\n');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const out = json(run);
  assert.deepEqual(keys(out), ['action', 'cardNumber', 'pin', 'puk', 'readerIndex']);
  assert.deepEqual(out, { action: 'change', readerIndex: 0, cardNumber: '2801000016', pin: { triesLeft: 3, locked: false, pinpad: false }, puk: { triesLeft: 3, locked: false } });
  assert.equal((await authenticate('1234')).code, ExitClass.pin);
  assert.equal((await authenticate('4321')).code, 0);
  assert.ok(!run.stdout.includes('4321') && !run.stderr.includes('4321'), 'no code in the output');
});

test('pin unblock --pin-stdin: the PUK then the new PIN unblock a blocked card; errors are the contract’s, with exit classes', async () => {
  fx.sim.remove(0);
  const card = await fx.sim.insert('cps-pharmacien', 0);
  fx.sim.resetPinCounter(card.cardId, 0);
  const locked = await runMain(['pin', 'change', '--pin-stdin', '--json'], fx.env, '1234\n4321\n');
  assert.equal(locked.code, ExitClass.pin);
  assert.deepEqual(json(locked), { error: { code: 'PIN_LOCKED', message: (json(locked).error as { message: string }).message } });
  const wrong = await runMain(['pin', 'unblock', '--pin-stdin', '--json', '--lang', 'en'], fx.env, '87654321\n5678\n');
  assert.equal(wrong.code, ExitClass.pin);
  assert.deepEqual(keys(json(wrong).error), ['code', 'message']);
  assert.equal((json(wrong).error as { code: string }).code, 'PUK_INCORRECT');
  assert.match((json(wrong).error as { message: string }).message, /2 attempts left/);
  const short = await runMain(['pin', 'unblock', '--pin-stdin', '--json'], fx.env, '1234567\n5678\n');
  assert.equal((json(short).error as { code: string }).code, 'PUK_FORMAT');
  const ok = await runMain(['pin', 'unblock', '--pin-stdin'], fx.env, '12345678\n5678\n');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /La carte n° 2801000024 est débloquée/);
  assert.equal((await authenticate('5678')).code, 0);
  const usage = await runMain(['pin', 'reset', '--json'], fx.env);
  assert.equal(usage.code, ExitClass.usage);
  const unsupported = await (async () => {
    fx.sim.injectFault('C_SetPIN', 'not_supported');
    try { return await runMain(['pin', 'change', '--pin-stdin', '--json'], fx.env, '5678\n1234\n'); } finally { fx.sim.injectFault('C_SetPIN', null); }
  })();
  assert.equal(unsupported.code, ExitClass.middleware);
  assert.equal((json(unsupported).error as { code: string }).code, 'PIN_MANAGEMENT_UNSUPPORTED');
});

const onTerminal = (args: string[], steps: { prompt: RegExp; keys: string }[]) => onTerminalIn(args, fx.env, steps);

test('on a terminal: no echo, the new PIN asked twice, two different entries refused before the card', { skip: !HAS_SCRIPT && 'no script(1)' }, async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-adeli', 0);
  const setPins = fx.sim.counters().C_SetPIN ?? 0;
  const mismatch = await onTerminal(['pin', 'change', '--json'], [
    { prompt: /Code porteur actuel : $/, keys: '1234\r' },
    { prompt: /Nouveau code porteur : $/, keys: '2468\r' },
    { prompt: /Nouveau code porteur, de nouveau : $/, keys: '2469\r' },
  ]);
  assert.match(mismatch.screen, /"code":"NEW_PIN_MISMATCH"/);
  assert.equal(mismatch.code, ExitClass.pin);
  assert.equal(fx.sim.counters().C_SetPIN ?? 0, setPins, 'nothing reached the card');
  const changed = await onTerminal(['pin', 'change'], [
    { prompt: /Code porteur actuel : $/, keys: '1234\r' },
    { prompt: /Nouveau code porteur : $/, keys: '2468\r' },
    { prompt: /Nouveau code porteur, de nouveau : $/, keys: '2468\r' },
  ]);
  assert.equal(changed.code, 0, changed.screen);
  assert.match(changed.screen, /Le code porteur de la carte n° 2801000032 a été changé/);
  for (const code of ['1234', '2468', '2469']) assert.ok(!mismatch.screen.includes(code) && !changed.screen.includes(code), `${code} echoed`);
  assert.equal((await authenticate('2468')).code, 0);
});
