// The card service on a second real module: plain SoftHSM2 (no simulator in between) holding a provisioned CPx
// token. Same reading, same token, same error mapping.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { provisionCard } from '../../native/sim/provision.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { errorCode, newNonce, pinBytes, startService, tokenVerifies, type Harness } from './harness.ts';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
let sim: Sim;
let svc: Harness;

before(async () => {
  // Only for its private SoftHSM2 configuration and token directory; the simulator module is not used.
  sim = await makeSim({ readers: 1 });
  await provisionCard(sim.dir, 'cps-adeli');
  svc = await startService({ SOFTHSM2_CONF: sim.env.SOFTHSM2_CONF!, CPX_PKCS11_MODULE: SOFTHSM });
});
after(async () => {
  await svc?.close();
  await sim?.cleanup();
});

test('SoftHSM2 loads as the module, the token reads as a CPx card, its spare slot as an empty reader', async () => {
  const d = await svc.client.request('diagnose', {});
  assert.equal(d.modules[0]!.manufacturer, 'SoftHSM');
  assert.equal(d.modules[0]!.status, 'loaded');
  const state = await svc.client.request('state', {});
  assert.equal(state.kind, 'CARD_PRESENT');
  assert.deepEqual(state.readers.map((r) => r.card), [true, false]);
  const card = state.cards[0]!;
  assert.equal(card.cardNumber, '2801000032');
  assert.equal(card.holder!.nationalId.type, 'ADELI');
  assert.equal(card.holder!.profession, 'Masseur-Kinésithérapeute', 'legacy profession in OU');
});

test('authenticate signs with the authentication key; a wrong PIN is PIN_INCORRECT', async () => {
  assert.equal(await errorCode(svc.client.request('authenticate', { origin: 'https://example.org', nonce: newNonce(), pin: pinBytes('0000') })), 'PIN_INCORRECT');
  const nonce = newNonce();
  const token = await svc.client.request('authenticate', { origin: 'http://127.0.0.1:8080', nonce, pin: pinBytes('1234') });
  assert.ok(tokenVerifies(token, 'http://127.0.0.1:8080', nonce));
});
