// PIN state from token flags, card number from the label, and the two signing mechanisms (the PIN format is
// protocol/pin.ts's, tested in tests/protocol/pin.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign } from 'node:crypto';
import { CKF, parseCardLabel, pinStateFromFlags } from '../../native/pkcs11/token-facts.ts';
import { CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, planSignature } from '../../native/pkcs11/signing.ts';

test('tries left come from the flags: none → 3, count low → 2, final try → 1, locked → 0', () => {
  assert.deepEqual(pinStateFromFlags(0), { triesLeft: 3, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW), { triesLeft: 2, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW | CKF.USER_PIN_FINAL_TRY), { triesLeft: 1, locked: false, pinpad: false });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_LOCKED | CKF.USER_PIN_COUNT_LOW), { triesLeft: 0, locked: true, pinpad: false });
  assert.equal(pinStateFromFlags(CKF.PROTECTED_AUTHENTICATION_PATH).pinpad, true);
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
