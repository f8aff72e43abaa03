// The card layer copes with Cryptolib CPS as it really behaves (the simulator plays each case): a CPS4 signs RS256
// like a CPS3 (never PSS), a card swapped under a middleware that detects cards itself every few seconds, a reader
// unplugged that reshuffles the slots, a second C_Login, and a virtual machine without any reader. Each time: the
// layer reads again, never shows or uses one card under another's name, and says what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchState } from '../../protocol/card.ts';
import * as control from '../../native/sim/control.ts';
import { provisionCard } from '../../native/sim/provision.ts';
import { authenticateWithCard } from '../../native/pkcs11/authenticate.ts';
import { LoadedModule } from '../../native/pkcs11/module-host.ts';
import { CKU } from '../../native/pkcs11/login.ts';
import { makeSim } from '../helpers/sim.ts';
import { errorCode, newNonce, pinBytes, startService, tokenVerifies, withTimeout } from './harness.ts';

const ORIGIN = 'https://example.org';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holders = (s: WatchState) => s.cards.map((c) => `${c.cardNumber}:${c.holder?.surname}`);

test('a CPS4 offers RSA-PSS, a CPS3 does not: both sign RS256 (PKCS#1 v1.5) and the token verifies', async (t) => {
  const sim = await makeSim({ readers: 2 });
  t.after(() => sim.cleanup());
  await sim.insert('cps4', 0);
  await sim.insert('cps-medecin', 1);
  const h = await startService(sim.env);
  t.after(() => h.close());
  const [cps4, cps3] = await h.client.request('cards', {});
  assert.equal(cps4!.label, 'CPS4v1-2801000149');
  assert.equal(cps3!.label, 'CPS3v3-2801000016');
  for (const readerIndex of [0, 1]) {
    const nonce = newNonce();
    const token = await withTimeout(h.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234'), readerIndex }), 15_000, 'authenticate');
    assert.equal(token.algorithm, 'RS256');
    assert.ok(tokenVerifies(token, ORIGIN, nonce), `reader ${readerIndex}: a PKCS#1 v1.5 signature over the Web eID message`);
  }
});

test('a card swapped within the middleware’s detection period: CARD_REMOVED, no PIN presented, never one card under the other’s name', async (t) => {
  const sim = await makeSim({ readers: 1 });
  t.after(() => sim.cleanup());
  const first = await sim.insert('cps-medecin', 0);
  const second = await provisionCard(sim.dir, 'cps-pharmacien');
  const h = await startService(sim.env);
  t.after(() => h.close());
  assert.deepEqual(holders(await h.client.request('state', {})), ['2801000016:BERNARD']);
  control.setLatency(sim.dir, { detectMs: 1500 });
  await h.client.request('state', {}); // a detection now: the next one is 1.5 s away
  sim.reinsert(second, 0);
  const logins = sim.counters().C_Login ?? 0;
  const err = await h.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234'), readerIndex: 0, cardNumber: first.cardNumber })
    .catch((e) => e);
  assert.equal(err.code, 'CARD_REMOVED', 'the old card’s session answered CKR_TOKEN_NOT_PRESENT');
  assert.equal(sim.counters().C_Login ?? 0, logins, 'the PIN was not presented to whatever card is there now');
  // While the middleware still shows the old card, the service shows no identity rather than the old one.
  const meanwhile = await h.client.request('state', {});
  assert.deepEqual(holders(meanwhile), []);
  assert.equal(meanwhile.kind, 'CARD_REMOVED');
  const next = await h.nextState((s) => s.cards.length === 1, 10_000);
  assert.deepEqual(holders(next), ['2801000024:PHARMACH0007512'], 'the new card, read from the new card');
  assert.ok(h.states.every((s) => s.cards.every((c) => c.label === `CPS3v3-${c.cardNumber}` && (c.cardNumber === first.cardNumber) === (c.holder?.surname === 'BERNARD'))),
    'no state ever put one card’s holder under the other card’s number');
  const nonce = newNonce();
  assert.ok(tokenVerifies(await h.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234'), cardNumber: second.cardNumber }), ORIGIN, nonce));
});

test('a reader unplugged reshuffles the slots: identities follow their readers, the card the user chose is used wherever it went', async (t) => {
  const sim = await makeSim({ readers: 2 });
  t.after(() => sim.cleanup());
  const a = await sim.insert('cps-medecin', 0);
  const b = await sim.insert('cpe', 1);
  const h = await startService(sim.env);
  t.after(() => h.close());
  assert.deepEqual(holders(await h.client.request('state', {})), ['2801000016:BERNARD', '2801000040:PETIT']);
  const pushed = h.nextState((s) => s.readers.length === 1);
  control.setReaderPlugged(sim.dir, 0, false);
  const after = await pushed;
  assert.deepEqual(after.readers, [{ index: 0, name: 'CPx Link Simulated Reader [CCID Interface] 00 01', card: true }]);
  assert.deepEqual(after.cards.map((c) => [c.readerIndex, c.cardNumber, c.holder?.surname]), [[0, b.cardNumber, 'PETIT']]);
  // The user chose card A in reader 0 a moment ago: slot 0 now holds card B, which must not get A's PIN.
  const logins = sim.counters().C_Login ?? 0;
  assert.equal(await errorCode(h.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234'), readerIndex: 0, cardNumber: a.cardNumber })), 'CARD_REMOVED');
  assert.equal(sim.counters().C_Login ?? 0, logins);
  // Card B, chosen in reader 1 before the reshuffle, is found in slot 0.
  const nonce = newNonce();
  const token = await h.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234'), readerIndex: 1, cardNumber: b.cardNumber });
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  control.setReaderPlugged(sim.dir, 0, true);
});

test('a reader unplugged during an operation: READER_REMOVED, not a device error', async (t) => {
  const sim = await makeSim({ readers: 2, latency: { loginMs: 400 } });
  t.after(() => sim.cleanup());
  await sim.insert('cps-medecin', 1);
  const h = await startService(sim.env);
  t.after(() => h.close());
  await h.client.request('state', {});
  const logins = sim.counters().C_Login ?? 0;
  const pending = h.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234'), readerIndex: 1 }).catch((e) => e);
  while ((sim.counters().C_Login ?? 0) === logins) await sleep(5);
  control.setReaderPlugged(sim.dir, 1, false);
  assert.equal((await withTimeout(pending, 10_000, 'authenticate')).code, 'READER_REMOVED');
});

test('a second C_Login (a login left over in this process): logged out first, then exactly one C_Login with the PIN typed', async (t) => {
  const sim = await makeSim({ readers: 1 });
  t.after(() => sim.cleanup());
  await sim.insert('cps-medecin', 0);
  process.env.CPX_SIM_STATE = sim.dir;
  const m = LoadedModule.open(sim.module);
  t.after(() => m.finalize());
  const slot = m.slots()[0]!;
  const other = m.lib.C_OpenSession(slot.handle, 0x4);
  m.lib.C_Login(other, CKU.USER, '1234'); // another part of the process logged the card in and kept its session
  const softLogins = sim.counters()['softhsm.C_Login'] ?? 0;
  const nonce = newNonce();
  const token = await authenticateWithCard(m, slot, { origin: ORIGIN, nonce, pin: pinBytes('1234'), confirmFinalTry: false, appVersion: 'test', isCancelled: () => false });
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  assert.equal((sim.counters()['softhsm.C_Login'] ?? 0) - softLogins, 1, 'the PIN just typed was checked by the card, once');
  // A wrong PIN is not let through by the leftover login either.
  m.lib.C_Login(other, CKU.USER, '1234');
  const err = await authenticateWithCard(m, slot, { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('9999'), confirmFinalTry: false, appVersion: 'test', isCancelled: () => false })
    .catch((e) => e);
  assert.equal(err.code, 'PIN_INCORRECT');
  m.lib.C_CloseSession(other);
});

test('a virtual machine without any reader: NO_READER everywhere; a reader plugged in later is seen', async (t) => {
  const sim = await makeSim({ readers: 0 });
  t.after(() => sim.cleanup());
  const h = await startService(sim.env);
  t.after(() => h.close());
  assert.equal((await h.client.request('state', {})).kind, 'NO_READER');
  assert.deepEqual(await h.client.request('cards', {}), []);
  assert.equal(await errorCode(h.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234') })), 'NO_READER');
  assert.equal(await errorCode(h.client.request('changePin', { currentPin: pinBytes('1234'), newPin: pinBytes('5678') })), 'NO_READER');
  const d = await h.client.request('diagnose', {});
  assert.deepEqual(d.readers, []);
  assert.match(d.advice.join('\n'), /Aucun lecteur détecté/);
  const present = h.nextState((s) => s.kind === 'CARD_PRESENT');
  control.setReaderCount(sim.dir, 1);
  await sim.insert('cpa', 0);
  assert.equal((await present).cards[0]!.holder!.nationalId.type, 'SIRET');
});
