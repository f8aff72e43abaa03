// PIN-pad readers: the PIN is typed on the reader (empty PIN to C_Login), the host is told the service waits
// for it, and a pad left alone times out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { errorCode, newNonce, startService, tokenVerifies, withTimeout, type Harness } from './harness.ts';

const ORIGIN = 'https://example.org';
let sim: Sim;
let svc: Harness;

before(async () => {
  sim = await makeSim({ readers: 1 });
  await sim.insert('cps-medecin', 0);
  sim.setPinpad(0, true);
  svc = await startService(sim.env);
});
after(async () => {
  await svc?.close();
  await sim?.cleanup();
});

const auth = (nonce = newNonce()) =>
  withTimeout(svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: new Uint8Array(0) }), 15_000, 'authenticate');

test('the card shows a PIN-pad reader', async () => {
  const [card] = await svc.client.request('cards', {});
  assert.deepEqual(card!.pin, { triesLeft: 3, locked: false, pinpad: true });
});

test('the PIN typed on the pad signs; the host hears that the reader waits for it', async () => {
  sim.setLatency({ pinpadMs: 50 });
  sim.typeOnPinpad(0, '1234');
  const waiting = new Promise<{ readerIndex: number }>((resolve) => svc.client.once('pinpad-waiting', resolve));
  const nonce = newNonce();
  const token = await auth(nonce);
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  assert.equal((await waiting).readerIndex, 0);
});

test('a wrong PIN on the pad costs one try', async () => {
  sim.typeOnPinpad(0, '0000');
  assert.equal(await errorCode(auth()), 'PIN_INCORRECT');
  const [card] = await svc.client.request('cards', {});
  assert.equal(card!.pin.triesLeft, 2);
});

test('nothing typed on the pad: PINPAD_TIMEOUT, no try lost', async () => {
  sim.typeOnPinpad(0, null);
  sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 300 });
  assert.equal(await errorCode(auth()), 'PINPAD_TIMEOUT');
  const [card] = await svc.client.request('cards', {});
  assert.equal(card!.pin.triesLeft, 2);
});
