// PIN and PUK state from token flags, card number from the label, PIN and PUK formats, and the two signing mechanisms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign } from 'node:crypto';
import { CKF, parseCardLabel, pinStateFromFlags, pukStateFromFlags } from '../../native/pkcs11/token-facts.ts';
import { checkNewPin } from '../../protocol/pin-management.ts';
import { isPukWellFormed } from '../../protocol/pin.ts';
import { CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, planSignature } from '../../native/pkcs11/signing.ts';

test('tries left come from the flags: none → 3, count low → 2, final try → 1, locked → 0', () => {
  assert.deepEqual(pinStateFromFlags(0), { triesLeft: 3, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW), { triesLeft: 2, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW | CKF.USER_PIN_FINAL_TRY), { triesLeft: 1, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_LOCKED | CKF.USER_PIN_COUNT_LOW), { triesLeft: 0, locked: true, pinpad: false });
  assert.equal(pinStateFromFlags(CKF.PROTECTED_AUTHENTICATION_PATH).pinpad, true);
});

test('the PUK’s own tries come from the SO flags, independent of the PIN’s', () => {
  assert.deepEqual(pukStateFromFlags(CKF.USER_PIN_LOCKED), { triesLeft: 3, locked: false });
  assert.deepEqual(pukStateFromFlags(CKF.SO_PIN_COUNT_LOW), { triesLeft: 2, locked: false });
  assert.deepEqual(pukStateFromFlags(CKF.SO_PIN_COUNT_LOW | CKF.SO_PIN_FINAL_TRY), { triesLeft: 1, locked: false });
  assert.deepEqual(pukStateFromFlags(CKF.SO_PIN_COUNT_LOW | CKF.SO_PIN_LOCKED), { triesLeft: 0, locked: true });
  assert.equal(pinStateFromFlags(CKF.SO_PIN_LOCKED).locked, false);
});

test('PUK: exactly 8 digits; a new PIN typed twice must match', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(isPukWellFormed(enc('12345678')), true);
  for (const bad of ['1234567', '123456789', '1234567a', '']) assert.equal(isPukWellFormed(enc(bad)), false, bad);
  assert.doesNotThrow(() => checkNewPin(enc('5678'), enc('5678')));
  assert.doesNotThrow(() => checkNewPin(enc('5678')));
  assert.throws(() => checkNewPin(enc('5678'), enc('5679')), { code: 'NEW_PIN_MISMATCH' });
  assert.throws(() => checkNewPin(enc('56'), enc('56')), { code: 'PIN_FORMAT' }, 'the format first: a match of two short PINs is still short');
});

test('card number from a space-padded CPS3/CPS4 label; other labels are not CPx labels', () => {
  assert.deepEqual(parseCardLabel('CPS3v3-2800123456'.padEnd(32, ' ')), { generation: 'CPS3v3', cardNumber: '2800123456' });
  assert.deepEqual(parseCardLabel('CPS4v1-0123456789   '), { generation: 'CPS4v1', cardNumber: '0123456789' });
  assert.equal(parseCardLabel('My token'), null);
  assert.equal(parseCardLabel('CPS3v3-'), null);
});

test('CKM_RSA_PKCS over DigestInfo(SHA-256) is the same signature as CKM_SHA256_RSA_PKCS', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = createHash('sha256').update('https://example.org').digest();
  const direct = planSignature([CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS], message)!;
  assert.equal(direct.mechanism, CKM_SHA256_RSA_PKCS);
  assert.deepEqual(direct.input, message);
  const fallback = planSignature([CKM_RSA_PKCS], message)!;
  assert.equal(fallback.mechanism, CKM_RSA_PKCS);
  // Raw PKCS#1 v1.5 over our DigestInfo must equal what a SHA-256 RSA signer produces.
  const raw = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, fallback.input);
  assert.deepEqual(raw, sign('sha256', message, privateKey));
  assert.equal(planSignature([0x1040], message), null);
});
