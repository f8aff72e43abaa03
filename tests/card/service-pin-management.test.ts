// The card's own PIN management through the card service: exactly one C_SetPIN, or one C_Login with the PUK and one
// C_InitPIN, per user action; every refusal that needs no card made before anything reaches it; the PUK's own tries;
// a middleware without PIN management; PIN-pad readers; and no code in any answer or log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as control from '../../native/sim/control.ts';
import { errorCode, newNonce, pinBytes, tokenVerifies, useSimulatedService, withTimeout } from './harness.ts';

const ORIGIN = 'https://example.org';
const fx = useSimulatedService({ readers: 2 });

/** Calls counted by the simulator during `fn`: received by the module, and reaching the card (SoftHSM2). */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T | string; calls: (name: string) => number }> {
  const before = fx.sim.counters();
  const result = await fn().catch((e: { code?: string }) => e.code ?? String(e));
  const after = fx.sim.counters();
  return { result, calls: (name) => (after[name] ?? 0) - (before[name] ?? 0) };
}

const change = (current: string, next: string, extra: { confirm?: string; confirmFinalTry?: boolean; readerIndex?: number } = {}) =>
  withTimeout(fx.svc.client.request('changePin', {
    readerIndex: extra.readerIndex ?? 0, currentPin: pinBytes(current), newPin: pinBytes(next),
    ...(extra.confirm !== undefined ? { newPinConfirmation: pinBytes(extra.confirm) } : {}),
    ...(extra.confirmFinalTry ? { confirmFinalTry: true } : {}),
  }), 15_000, 'changePin');
const unblock = (puk: string, next: string, extra: { confirm?: string; readerIndex?: number } = {}) =>
  withTimeout(fx.svc.client.request('unblockPin', {
    readerIndex: extra.readerIndex ?? 0, puk: pinBytes(puk), newPin: pinBytes(next),
    ...(extra.confirm !== undefined ? { newPinConfirmation: pinBytes(extra.confirm) } : {}),
  }), 15_000, 'unblockPin');
const signsWith = async (pin: string, readerIndex = 0) => {
  const nonce = newNonce();
  const token = await withTimeout(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes(pin), readerIndex }), 15_000, 'authenticate');
  return tokenVerifies(token, ORIGIN, nonce);
};
const card = async (reader = 0) => (await fx.svc.client.request('cards', {})).find((c) => c.readerIndex === reader)!;

test('change the PIN: one C_SetPIN and no C_Login; the new PIN signs, the old one no longer does', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  const run = await counting(() => change('1234', '4321', { confirm: '4321' }));
  assert.deepEqual(run.result, { readerIndex: 0, cardNumber: '2801000016', pin: { triesLeft: 3, locked: false, pinpad: false }, puk: { triesLeft: 3, locked: false } });
  assert.equal(run.calls('C_SetPIN'), 1);
  assert.equal(run.calls('softhsm.C_SetPIN'), 1);
  assert.equal(run.calls('C_Login'), 0);
  assert.equal(await errorCode(signsWith('1234')), 'PIN_INCORRECT');
  assert.equal(await signsWith('4321'), true);
});

test('a wrong current PIN costs one try, said with the tries left; refusals that need no card never reach it', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-pharmacien', 0);
  const wrong = await counting(() => change('9999', '5678'));
  assert.equal(wrong.result, 'PIN_INCORRECT');
  assert.equal(wrong.calls('softhsm.C_SetPIN'), 1);
  const err = await change('9999', '5678').catch((e) => e);
  assert.equal(err.params.triesLeft, 1);
  for (const [args, code] of [
    [['1234', '5678', { confirm: '5679' }], 'NEW_PIN_MISMATCH'],
    [['1234', '56'], 'PIN_FORMAT'],
    [['1234', '5678a'], 'PIN_FORMAT'],
    [['12', '5678'], 'PIN_FORMAT'],
    [['1234', '5678'], 'PIN_FINAL_TRY'],
  ] as const) {
    const refused = await counting(() => change(...(args as unknown as [string, string, object])));
    assert.equal(refused.result, code, JSON.stringify(args));
    assert.equal(refused.calls('C_SetPIN') + refused.calls('C_Login'), 0, `${code}: nothing reached the card`);
  }
  assert.equal((await card()).pin.triesLeft, 1);
  const confirmed = await counting(() => change('1234', '5678', { confirmFinalTry: true }));
  assert.equal((confirmed.result as { pin: { triesLeft: number } }).pin.triesLeft, 3, 'the right PIN restores the tries');
});

test('a locked card: changing its PIN is refused without a call; the PUK unblocks it with one C_Login and one C_InitPIN', async () => {
  fx.sim.remove(0);
  const inserted = await fx.sim.insert('cps-medecin', 0);
  fx.sim.resetPinCounter(inserted.cardId, 0);
  const refused = await counting(() => change('1234', '5678'));
  assert.equal(refused.result, 'PIN_LOCKED');
  assert.equal(refused.calls('C_SetPIN'), 0);
  assert.deepEqual((await card()).pin, { triesLeft: 0, locked: true, pinpad: false });
  const run = await counting(() => unblock('12345678', '2468', { confirm: '2468' }));
  assert.equal(run.calls('C_Login'), 1);
  assert.equal(run.calls('C_InitPIN'), 1);
  assert.equal(run.calls('C_SetPIN'), 0);
  assert.deepEqual((run.result as { pin: unknown }).pin, { triesLeft: 3, locked: false, pinpad: false });
  assert.equal(fx.sim.status().readers[0]!.card!.triesLeft, 3);
  assert.equal(await signsWith('2468'), true);
  assert.equal(await errorCode(signsWith('1234')), 'PIN_INCORRECT');
});

test('a wrong PUK costs one of the PUK’s own tries; a blocked PUK is refused without a call (a new card from the ANS)', async () => {
  fx.sim.remove(0);
  const inserted = await fx.sim.insert('cpe', 0);
  const wrong = await counting(() => unblock('87654321', '2468'));
  assert.equal(wrong.result, 'PUK_INCORRECT');
  assert.equal(wrong.calls('C_Login'), 1, 'one C_Login, never retried');
  assert.equal(wrong.calls('C_InitPIN'), 0);
  assert.equal(fx.sim.status().readers[0]!.card!.pukTriesLeft, 2);
  assert.deepEqual((await card()).puk, { triesLeft: 2, locked: false });
  const err = await unblock('87654321', '2468').catch((e) => e);
  assert.equal(err.code, 'PUK_INCORRECT');
  assert.equal(err.params.triesLeft, 1);
  assert.match(err.message, /1 attempt left/);
  for (const [puk, next, confirm, code] of [['1234567', '2468', undefined, 'PUK_FORMAT'], ['1234567a', '2468', undefined, 'PUK_FORMAT'],
    ['12345678', '24', undefined, 'PIN_FORMAT'], ['12345678', '2468', '2469', 'NEW_PIN_MISMATCH']] as const) {
    const refused = await counting(() => unblock(puk, next, confirm === undefined ? {} : { confirm }));
    assert.equal(refused.result, code);
    assert.equal(refused.calls('C_Login'), 0, `${code}: the PUK was not presented`);
  }
  assert.equal(fx.sim.status().readers[0]!.card!.pukTriesLeft, 1, 'refusals cost nothing');
  control.resetPukCounter(fx.sim.dir, inserted.cardId, 0);
  const blocked = await counting(() => unblock('12345678', '2468'));
  assert.equal(blocked.result, 'PUK_BLOCKED');
  assert.equal(blocked.calls('C_Login'), 0);
  const body = (await unblock('12345678', '2468').catch((e) => e)).toBody('fr');
  assert.match(body.message, /nouvelle carte auprès de l'ANS/);
});

test('a middleware without PIN management (CKR_FUNCTION_NOT_SUPPORTED): PIN_MANAGEMENT_UNSUPPORTED, nothing changed', async (t) => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  t.after(() => { fx.sim.injectFault('C_SetPIN', null); fx.sim.injectFault('C_InitPIN', null); });
  fx.sim.injectFault('C_SetPIN', 'not_supported');
  const err = await change('1234', '5678').catch((e) => e);
  assert.equal(err.code, 'PIN_MANAGEMENT_UNSUPPORTED');
  assert.match(err.params.detail, /C_SetPIN/);
  fx.sim.injectFault('C_InitPIN', 'not_supported');
  assert.equal(await errorCode(unblock('12345678', '5678')), 'PIN_MANAGEMENT_UNSUPPORTED');
  const c = await card();
  assert.deepEqual([c.pin.triesLeft, c.puk?.triesLeft], [3, 3], 'the right PUK was accepted, the PIN untouched');
  fx.sim.injectFault('C_SetPIN', null);
  fx.sim.injectFault('C_InitPIN', null);
  assert.equal(await signsWith('1234'), true);
});

test('PIN-pad reader: the codes are typed on the reader, the host hears each step', async (t) => {
  fx.sim.remove(1);
  await fx.sim.insert('cps-infirmier', 1);
  fx.sim.setPinpad(1, true);
  fx.sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 3000 });
  t.after(() => fx.sim.setPinpad(1, false));
  const steps: string[] = [];
  const onPad = (e: { step?: string }) => steps.push(e.step ?? '?');
  fx.svc.client.on('pinpad-waiting', onPad);
  t.after(() => fx.svc.client.off('pinpad-waiting', onPad));
  control.typeOnPinpad(fx.sim.dir, 1, ['1234', '8642']);
  const changed = await counting(() => fx.svc.client.request('changePin', { readerIndex: 1, currentPin: new Uint8Array(0), newPin: new Uint8Array(0) }));
  assert.equal(changed.calls('softhsm.C_SetPIN'), 1);
  control.typeOnPinpad(fx.sim.dir, 1, ['12345678', '7531']);
  const unblocked = await counting(() => fx.svc.client.request('unblockPin', { readerIndex: 1, puk: new Uint8Array(0), newPin: new Uint8Array(0) }));
  assert.equal(unblocked.calls('C_Login') + unblocked.calls('C_InitPIN'), 2);
  assert.deepEqual(steps, ['change', 'puk', 'new-pin']);
  fx.sim.setPinpad(1, false);
  assert.equal(await signsWith('7531', 1), true);
});

test('no PIN and no PUK in any answer, event or log line', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-accents', 0);
  // Distinctive 8-digit codes: a shorter one turns up by chance in a timestamp, a pid or a duration.
  const seen: string[] = [];
  for (const p of [change('86420975', '97531864'), change('7531', '57918024', { confirm: '57190824' }), unblock('86429753', '97538642'), unblock('8642975', '57918024')]) {
    const e = await p.catch((err) => err);
    seen.push(JSON.stringify(e.toBody?.('fr') ?? e), String(e.stack));
  }
  const text = seen.join('\n') + JSON.stringify(fx.svc.states) + fx.svc.output();
  for (const code of ['86420975', '97531864', '57918024', '57190824', '86429753', '97538642', '8642975']) assert.ok(!text.includes(code), `${code} found`);
  assert.ok(fx.svc.output().includes('changePin'), 'the debug log was captured (the check above is not vacuous)');
});
