// Authenticating through the card service: one C_Login per attempt, the lock after three wrong PINs, refusals
// that never reach C_Login, and tokens an independent verifier accepts (also with the CKM_RSA_PKCS fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCertificate } from '../../protocol/identity.ts';
import { PIN_MAX, PIN_MIN } from '../../protocol/pin.ts';
import { errorCode, newNonce, pinBytes, tokenVerifies, withTimeout, useSimulatedService } from './harness.ts';

const ORIGIN = 'https://example.org';
const fx = useSimulatedService({ readers: 2 });

const logins = () => fx.sim.counters().C_Login ?? 0;
const auth = (pin: string, extra: { confirmFinalTry?: boolean; readerIndex?: number; origin?: string; nonce?: string } = {}) =>
  withTimeout(fx.svc.client.request('authenticate', { origin: extra.origin ?? ORIGIN, nonce: extra.nonce ?? newNonce(), pin: pinBytes(pin), ...extra }), 15_000, 'authenticate');
const triesLeft = async (reader = 0) => (await fx.svc.client.request('cards', {})).find((c) => c.readerIndex === reader)!.pin.triesLeft;

test('the token verifies with Node crypto over SHA-256(origin) || SHA-256(nonce), signed by the authentication key', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  const nonce = newNonce();
  const before = logins();
  const token = await auth('1234', { nonce });
  assert.equal(logins() - before, 1);
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  assert.equal(tokenVerifies(token, 'https://example.com', nonce), false);
  assert.equal(token.format, 'web-eid:1.0');
  assert.match(token.appVersion, /\d+\.\d+\.\d+/);
  const parsed = parseCertificate(Buffer.from(token.unverifiedCertificate, 'base64'));
  assert.equal(parsed.role, 'authentication', 'never the signature certificate');
  const c = fx.sim.counters();
  assert.equal(c.C_Logout, c.C_Login, 'logged out after each login');
  assert.equal(c.C_OpenSession, c.C_CloseSession, 'every session closed');
});

test('wrong PIN three times: exactly one C_Login per attempt, tries 3 → 2 → 1 → 0, then locked without C_Login', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-pharmacien', 0);
  assert.equal(await triesLeft(), 3);
  fx.sim.resetCounters();
  let before = logins();
  assert.equal(await errorCode(auth('0000')), 'PIN_INCORRECT');
  assert.equal(logins() - before, 1);
  assert.equal(await triesLeft(), 2);
  const err = await auth('0000').catch((e) => e);
  assert.equal(err.code, 'PIN_INCORRECT');
  assert.equal(err.params.triesLeft, 1, 'tries left re-read from the token flags');
  assert.equal(await triesLeft(), 1);
  // Final try: refused until the user confirms, and the refusal does not touch C_Login.
  before = logins();
  assert.equal(await errorCode(auth('0000')), 'PIN_FINAL_TRY');
  assert.equal(logins(), before);
  assert.equal(await errorCode(auth('0000', { confirmFinalTry: true })), 'PIN_LOCKED');
  assert.equal(logins() - before, 1);
  const cards = await fx.svc.client.request('cards', {});
  assert.deepEqual(cards[0]!.pin, { triesLeft: 0, locked: true, pinpad: false });
  // A locked card never reaches C_Login, even with the right PIN.
  before = logins();
  assert.equal(await errorCode(auth('1234')), 'PIN_LOCKED');
  assert.equal(await errorCode(auth('1234', { confirmFinalTry: true })), 'PIN_LOCKED');
  assert.equal(logins(), before);
  assert.equal(fx.sim.counters()['softhsm.C_Login'] ?? 0, 3, 'three PIN checks reached the card, no more');
});

test('the right PIN after one wrong one restores the tries', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  assert.equal(await errorCode(auth('9999')), 'PIN_INCORRECT');
  assert.equal(await triesLeft(), 2);
  const nonce = newNonce();
  assert.ok(tokenVerifies(await auth('1234', { nonce }), ORIGIN, nonce));
  assert.equal(await triesLeft(), 3);
});

test('refused before C_Login: PIN format, bad origin or nonce, expired certificate, no authentication certificate', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  const before = logins();
  assert.equal(await errorCode(auth('12')), 'PIN_FORMAT');
  assert.equal(await errorCode(auth('123456789')), 'PIN_FORMAT');
  assert.equal(await errorCode(auth('12a4')), 'PIN_FORMAT');
  const format = await auth('123').catch((e) => e);
  assert.deepEqual(format.params, { min: PIN_MIN, max: PIN_MAX }, 'the message names the bounds on the host side too');
  // The PIN crosses to the service as bytes only: the right digits in any other shape are no PIN at all.
  const notBytes = [0x31, 0x32, 0x33, 0x34] as unknown as Uint8Array;
  assert.equal(await errorCode(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: notBytes })), 'PIN_FORMAT');
  assert.equal(await errorCode(auth('1234', { origin: 'https://example.org/path' })), 'INVALID_ORIGIN');
  assert.equal(await errorCode(auth('1234', { origin: 'http://example.org' })), 'INVALID_ORIGIN');
  assert.equal(await errorCode(auth('1234', { nonce: 'short' })), 'INVALID_NONCE');
  fx.sim.remove(0);
  await fx.sim.insert('expired', 0);
  assert.equal(await errorCode(auth('1234')), 'CERT_EXPIRED');
  fx.sim.remove(0);
  await fx.sim.insert('sign-only', 0);
  assert.equal(await errorCode(auth('1234')), 'NO_AUTH_CERTIFICATE');
  assert.equal(logins(), before, 'none of these reached C_Login');
  assert.equal(await triesLeft(), 3);
});

test('without CKM_SHA256_RSA_PKCS the card signs DigestInfo(SHA-256) with CKM_RSA_PKCS: same valid token', async (t) => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-accents', 0);
  fx.sim.hideMechanisms(['CKM_SHA256_RSA_PKCS']);
  t.after(() => fx.sim.hideMechanisms([]));
  const nonce = newNonce();
  const token = await auth('1234', { nonce });
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
});

test('two readers: --reader picks the card, no card in a reader is NO_CARD, an unknown reader READER_NOT_FOUND', async () => {
  fx.sim.remove(0);
  fx.sim.remove(1);
  assert.equal(await errorCode(auth('1234')), 'CARD_REMOVED', 'the card seen a moment ago was pulled out');
  await fx.svc.client.request('state', {});
  await fx.sim.insert('cpe', 1);
  const nonce = newNonce();
  const token = await auth('1234', { nonce, readerIndex: 1 });
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
  assert.equal(parseCertificate(Buffer.from(token.unverifiedCertificate, 'base64')).holder!.nationalId.raw, '3330999996/CPET00001');
  assert.equal(await errorCode(auth('1234', { readerIndex: 0 })), 'NO_CARD');
  assert.equal(await errorCode(auth('1234', { readerIndex: 5 })), 'READER_NOT_FOUND');
  // Without --reader: the first reader holding a card.
  assert.ok(tokenVerifies(await auth('1234', { nonce }), ORIGIN, nonce));
});

test('two concurrent requests are serialised: both sign, each with its own login', async () => {
  fx.sim.remove(1);
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  fx.sim.setLatency({ loginMs: 80, signMs: 80 });
  try {
    const before = logins();
    const n1 = newNonce();
    const n2 = newNonce();
    const order: string[] = [];
    // In one process a second C_Login while the first is logged in fails (CKR_USER_ALREADY_LOGGED_IN): both
    // succeeding shows the service ran them one after the other.
    const request = (nonce: string) => fx.svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234') });
    // The order is recorded on the requests' own promises (answers read in one turn settle in request order).
    const [a, b, s] = await withTimeout(Promise.all([
      request(n1).then((t) => { order.push('auth1'); return t; }),
      request(n2).then((t) => { order.push('auth2'); return t; }),
      fx.svc.client.request('state', {}).then((st) => { order.push('state'); return st; }),
    ]), 20_000, 'concurrent requests');
    assert.ok(tokenVerifies(a, ORIGIN, n1));
    assert.ok(tokenVerifies(b, ORIGIN, n2));
    assert.equal(s.kind, 'CARD_PRESENT');
    assert.deepEqual(order, ['auth1', 'auth2', 'state'], 'answered in arrival order');
    assert.equal(logins() - before, 2);
  } finally {
    fx.sim.setLatency({ loginMs: 0, signMs: 0 });
  }
});

test('cancel: a queued authentication ends before touching the card, one inside C_Login stops before signing', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-medecin', 0);
  fx.sim.setLatency({ loginMs: 200, signMs: 0 });
  try {
    const before = logins();
    const signsBefore = fx.sim.counters().C_Sign ?? 0;
    const first = errorCode(auth('1234'));
    const second = errorCode(auth('1234'));
    // Sent while the first is inside C_Login: answered at once (not queued behind the lock).
    while ((fx.sim.counters().C_Login ?? 0) === before) await new Promise((r) => setTimeout(r, 2));
    const cancelled = await fx.svc.client.request('cancel', {});
    assert.equal(cancelled.cancelled, true);
    assert.equal(await first, 'CANCELLED', 'stopped after C_Login returned, before signing');
    assert.equal(await second, 'CANCELLED');
    assert.equal(logins() - before, 1, 'the queued one never reached C_Login');
    assert.equal((fx.sim.counters().C_Sign ?? 0) - signsBefore, 0);
    assert.equal(await triesLeft(), 3);
  } finally {
    fx.sim.setLatency({ loginMs: 0 });
  }
});
