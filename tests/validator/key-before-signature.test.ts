// Work before trust: no public-key operation on a key the validator has not accepted. The certificate's key
// (RSA 2048–4096 bits with e = 65537, or EC on a Web eID curve) and its chain are checked before the token's
// signature; an attacker's key with a ~3070-bit public exponent (one verification ≈ a private-key operation) is
// refused without ever being used. Verifications are counted on node:crypto itself.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { TokenValidator } from '../../server/validator/index.ts';
import { SUBJECTS, TEST_INTERMEDIATE_NAME, makeCa, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, type TestCa, type TestCert } from './pki-fixture.ts';
import { ORIGIN, rejectsWith, tempDir } from './helpers.ts';

const tmp = tempDir('key-before-signature');
after(() => tmp.cleanup());
const nonce = randomNonce();
let root: TestCa, ca: TestCa, attackerCa: TestCa;
let genuine: TestCert, huge: TestCert, hugeUntrusted: TestCert, untrusted: TestCert;

before(async () => {
  ({ root, intermediate: ca } = await makeChain());
  // Same name as the trusted intermediate, another key: what an attacker can make.
  attackerCa = await makeCa({ name: TEST_INTERMEDIATE_NAME, key: await makeKey('rsa2048') });
  const [key, hugeKey] = await Promise.all([makeKey('rsa2048'), makeKey('rsa3072-huge-exponent')]);
  genuine = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, cardType: 0 });
  huge = await makeLeaf(ca, { subject: SUBJECTS.medecin, key: hugeKey, cardType: 0 });
  hugeUntrusted = await makeLeaf(attackerCa, { subject: SUBJECTS.medecin, key: hugeKey, cardType: 0 });
  untrusted = await makeLeaf(attackerCa, { subject: SUBJECTS.medecin, key, cardType: 0 });
  writeFileSync(tmp.path('ca.crl'), await makeCrl(ca));
});

const validator = () => new TokenValidator({ trustAnchors: [root.pem + ca.pem], crls: { files: [tmp.path('ca.crl')], fetch: false } });
const check = (cert: TestCert, alg: 'RS256' | 'PS256' = 'RS256') => validator().validate(makeToken(cert, ORIGIN, nonce, alg), { origin: ORIGIN, nonce });

/**
 * Counts the public-key operations node:crypto performs with a key other than a CA's (the CAs' keys check the
 * chain and the CRL: trusted): the signature check and nonce recovery call these.
 */
let verifications = 0;
const originals = { verify: crypto.verify, publicDecrypt: crypto.publicDecrypt };
const spki = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
const isCaKey = (arg: unknown) => {
  const k = (arg as { key?: unknown })?.key ?? arg;
  const pub = k instanceof crypto.KeyObject && k.type === 'public' ? k : crypto.createPublicKey(k as crypto.KeyLike);
  return [root, ca, attackerCa].some((c) => spki(c.key.publicKey) === spki(pub));
};
beforeEach(() => {
  verifications = 0;
  crypto.verify = ((...args: Parameters<typeof crypto.verify>) => {
    if (!isCaKey(args[2])) verifications++;
    return (originals.verify as (...a: unknown[]) => unknown)(...args);
  }) as typeof crypto.verify;
  crypto.publicDecrypt = ((...args: Parameters<typeof crypto.publicDecrypt>) => {
    if (!isCaKey(args[0])) verifications++;
    return originals.publicDecrypt(...args);
  }) as typeof crypto.publicDecrypt;
  syncBuiltinESMExports();
});
afterEach(() => {
  Object.assign(crypto, originals);
  syncBuiltinESMExports();
});

describe('the key and the chain come before the signature', () => {
  test('a genuine token: accepted after exactly one verification (the counter sees the validator\'s)', async () => {
    assert.equal((await check(genuine)).holder.surname, 'DONNAT-GADY');
    assert.equal(verifications, 1);
  });
  test('a ~3070-bit public exponent, even certified by a trusted CA and correctly signed: CERT_KEY_UNSUPPORTED, never used', async () => {
    for (const alg of ['RS256', 'PS256'] as const) {
      const e = await rejectsWith(check(huge, alg), 'CERT_KEY_UNSUPPORTED');
      assert.match(String(e.params.detail), /RSA 3072 bits, exposant de 3070 bits/);
    }
    await rejectsWith(check(hugeUntrusted), 'CERT_KEY_UNSUPPORTED');
    assert.equal(verifications, 0);
  });
  test('an untrusted issuer with the trusted CA\'s name: CERT_UNTRUSTED, the leaf key never used', async () => {
    await rejectsWith(check(untrusted, 'PS256'), 'CERT_UNTRUSTED');
    assert.equal(verifications, 0);
  });
});

describe('the keys Web eID cards have', () => {
  const withKey = async (spki: crypto.KeyObject) =>
    makeLeaf(ca, { subject: SUBJECTS.medecin, key: genuine.key, cardType: 0, spki: spki.export({ type: 'spki', format: 'der' }) });
  const rsa = promisify(crypto.generateKeyPair);

  test('RSA with e = 3, under 2048 or over 4096 bits: CERT_KEY_UNSUPPORTED', async () => {
    const cases = [
      (await rsa('rsa', { modulusLength: 2048, publicExponent: 3 })).publicKey,
      (await rsa('rsa', { modulusLength: 1024 })).publicKey,
      (await rsa('rsa', { modulusLength: 4160 })).publicKey,
    ];
    for (const key of cases) await rejectsWith(check(await withKey(key)), 'CERT_KEY_UNSUPPORTED');
    assert.equal(verifications, 0);
  });
  test('EC on a curve Web eID does not use (secp256k1), Ed25519: CERT_KEY_UNSUPPORTED', async () => {
    for (const key of [crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, crypto.generateKeyPairSync('ed25519').publicKey]) {
      await rejectsWith(check(await withKey(key)), 'CERT_KEY_UNSUPPORTED');
    }
    assert.equal(verifications, 0);
  });
  test('RSA-4096 with e = 65537 and EC P-256/384/521 pass the key check', async () => {
    const big = await makeLeaf(ca, { subject: SUBJECTS.medecin, key: genuine.key, cardType: 0,
      spki: (await rsa('rsa', { modulusLength: 4096 })).publicKey.export({ type: 'spki', format: 'der' }) });
    // Signed by another key than its own: the check that refuses it is the signature, the last one.
    await rejectsWith(check(big), 'TOKEN_SIGNATURE_INVALID');
    for (const kind of ['ec256', 'ec384', 'ec521'] as const) {
      const cert = await makeLeaf(ca, { subject: SUBJECTS.medecin, key: await makeKey(kind), cardType: 0 });
      const alg = ({ ec256: 'ES256', ec384: 'ES384', ec521: 'ES512' } as const)[kind];
      assert.equal((await validator().validate(makeToken(cert, ORIGIN, nonce, alg), { origin: ORIGIN, nonce })).algorithm, alg);
    }
  });
});
