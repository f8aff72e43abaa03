// PIN-pad readers: the PIN is typed on the reader (empty PIN to C_Login), the host is told the service waits
// for it, and a pad left alone times out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, newNonce, tokenVerifies, withTimeout, useSimulatedService } from './harness.ts';

const ORIGIN = 'https://example.org';
const fx = useSimulatedService({ card: 'cps-medecin', prepare: (sim) => sim.setPinpad(0, true) });

const auth = (nonce = newNonce()) =>
  withTimeout(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: new Uint8Array(0) }), 15_000, 'authenticate');

test('the card shows a PIN-pad reader', async () => {
  const [card] = await fx.svc.client.request('cards', {});
  assert.deepEqual(card!.pin, { triesLeft: 3, locked: false, pinpad: true });
});

test('the PIN typed on the pad signs; the host hears that the reader waits for it', async () => {
  fx.sim.setLatency({ pinpadMs: 50 });
  fx.sim.typeOnPinpad(0, '1234');
  const waiting = new Promise<{ readerIndex: number }>((resolve) => fx.svc.client.once('pinpad-waiting', resolve));
  const nonce = newNonce();
  const token = await auth(nonce);
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  assert.equal((await waiting).readerIndex, 0);
});

test('a wrong PIN on the pad costs one try', async () => {
  fx.sim.typeOnPinpad(0, '0000');
  assert.equal(await errorCode(auth()), 'PIN_INCORRECT');
  const [card] = await fx.svc.client.request('cards', {});
  assert.equal(card!.pin.triesLeft, 2);
});

test('nothing typed on the pad: PINPAD_TIMEOUT, no try lost', async () => {
  fx.sim.typeOnPinpad(0, null);
  fx.sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 300 });
  assert.equal(await errorCode(auth()), 'PINPAD_TIMEOUT');
  const [card] = await fx.svc.client.request('cards', {});
  assert.equal(card!.pin.triesLeft, 2);
});
