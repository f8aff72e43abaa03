// Every check of the Web eID order, each both ways: accepted, and refused with its own code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CpxError, errorMessage } from '../../protocol/errors.ts';
import { TokenValidator, type ValidatorConfig } from '../../server/validator/index.ts';
import {
  EKU_EMAIL, KU, SUBJECTS, makeCa, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, signWith, signedData,
  x509, type TestCa, type TestCert, type TestKey,
} from './pki-fixture.ts';
import { ORIGIN, rejectsWith, tempDir } from './helpers.ts';

const DAY = 86_400_000;
const AUTH_POLICY = '1.2.250.1.71.1.1.99.1';
const tmp = tempDir('validator-checks');
after(() => tmp.cleanup());

let root: TestCa, ca: TestCa, key: TestKey, otherKey: TestKey;
let auth: TestCert, revoked: TestCert;
let crlPath: string;
const nonce = randomNonce();

before(async () => {
  ({ root, intermediate: ca } = await makeChain());
  [key, otherKey] = await Promise.all([makeKey('rsa2048'), makeKey('rsa2048')]);
  auth = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, cardType: 0, policies: [AUTH_POLICY] });
  revoked = await makeLeaf(ca, { subject: SUBJECTS.pharmacien, key, cardType: 0 });
  crlPath = tmp.path('ca.crl');
  writeFileSync(crlPath, await makeCrl(ca, { revoked: [{ serial: revoked.serial, date: new Date(Date.now() - 2 * DAY) }] }));
});

const validator = (cfg: Partial<ValidatorConfig> = {}) =>
  new TokenValidator({ trustAnchors: [root.pem + ca.pem], crls: { files: [crlPath], fetch: false }, ...cfg });
const tokenFor = (cert: TestCert, o: { origin?: string; nonce?: string; alg?: Parameters<typeof makeToken>[3] } = {}) =>
  makeToken(cert, o.origin ?? ORIGIN, o.nonce ?? nonce, o.alg);
const check = (v: TokenValidator, token: unknown, n = nonce) => v.validate(token, { origin: ORIGIN, nonce: n });

describe('a valid token', () => {
  test('is accepted with the holder, card type and certificate facts', async () => {
    const r = await check(validator(), JSON.stringify(tokenFor(auth)));
    assert.equal(r.holder.surname, 'DONNAT-GADY');
    assert.equal(r.holder.nationalId.type, 'RPPS');
    assert.equal(r.cardType, 'CPS');
    assert.equal(r.cardTypeInferred, false);
    assert.deepEqual(Buffer.from(r.certificateDer), Buffer.from(auth.der));
    assert.equal(r.fingerprint, createHash('sha256').update(auth.der).digest('hex'));
    assert.equal(r.serialNumber, auth.serial.replace(/^0+/, ''));
    assert.equal(r.subject, 'CN=810002813839+SN=DONNAT-GADY+GN=ISABELLE, title=Médecin, C=FR');
    assert.equal(r.issuer, 'CN=AC CPX TEST PERSONNES, OU=IGC-SANTE-TEST, O=CPX-TEST, C=FR');
    assert.equal(r.notAfter, auth.cert.notAfter.toISOString());
    assert.equal(r.algorithm, 'RS256');
    assert.deepEqual(r.warnings, []);
  });
  test('as an object too, and unknown fields are ignored', async () => {
    const r = await check(validator(), { ...tokenFor(auth), unknownField: { nested: [1, 2] }, appVersion: 'https://x/9' });
    assert.equal(r.holder.givenName, 'ISABELLE');
  });
  test('the expected origin is normalised like the card layer does (case, default port)', async () => {
    const r = await validator().validate(tokenFor(auth), { origin: 'HTTPS://CPX.Example.org:443', nonce });
    assert.equal(r.cardType, 'CPS');
  });
  test('the same token validates again (cached certificate), the result is a copy the caller cannot corrupt', async () => {
    const v = validator();
    const token = JSON.stringify(tokenFor(auth));
    const first = await check(v, token);
    first.certificateDer.fill(0);
    assert.throws(() => { (first.holder as { surname: string }).surname = 'X'; });
    const second = await check(v, token);
    assert.deepEqual(Buffer.from(second.certificateDer), Buffer.from(auth.der));
    assert.equal(second.holder.surname, 'DONNAT-GADY');
  });
});

describe('expected origin and nonce (the service side)', () => {
  test('an expected origin with a path is INVALID_ORIGIN', async () => {
    await rejectsWith(validator().validate(tokenFor(auth), { origin: `${ORIGIN}/login`, nonce }), 'INVALID_ORIGIN');
  });
  test('an expected nonce that is not 44-128 base64 characters is INVALID_NONCE', async () => {
    await rejectsWith(validator().validate(tokenFor(auth), { origin: ORIGIN, nonce: 'short' }), 'INVALID_NONCE');
  });
});

describe('size and JSON', () => {
  test('fewer than 100 characters: TOKEN_SIZE', async () => {
    await rejectsWith(check(validator(), '{"format":"web-eid:1.0"}'), 'TOKEN_SIZE');
  });
  test('more than 10,000 characters, as text or as an object: TOKEN_SIZE', async () => {
    const big = { ...tokenFor(auth), padding: 'x'.repeat(10_000) };
    await rejectsWith(check(validator(), JSON.stringify(big)), 'TOKEN_SIZE');
    await rejectsWith(check(validator(), big), 'TOKEN_SIZE');
  });
  test('a token just under 10,000 characters with an unknown field is accepted', async () => {
    const t = tokenFor(auth);
    const padded = { ...t, padding: 'x'.repeat(10_000 - JSON.stringify(t).length - 14) };
    assert.ok(JSON.stringify(padded).length <= 10_000);
    assert.equal((await check(validator(), JSON.stringify(padded))).cardType, 'CPS');
  });
  test('not JSON, not an object, a missing or non-string field: TOKEN_MALFORMED', async () => {
    const v = validator();
    const t = tokenFor(auth);
    await rejectsWith(check(v, `${JSON.stringify(t).slice(0, -1)},}`), 'TOKEN_MALFORMED');
    await rejectsWith(check(v, JSON.stringify([t, t])), 'TOKEN_MALFORMED');
    await rejectsWith(check(v, 42), 'TOKEN_MALFORMED');
    await rejectsWith(check(v, null), 'TOKEN_MALFORMED');
    for (const field of ['unverifiedCertificate', 'algorithm', 'signature', 'format'] as const) {
      const { [field]: _gone, ...rest } = t;
      await rejectsWith(check(v, { ...rest, pad: 'x'.repeat(100) }), 'TOKEN_MALFORMED');
      await rejectsWith(check(v, { ...t, [field]: 7 }), 'TOKEN_MALFORMED');
    }
  });
  test('a signature that is not canonical base64: TOKEN_MALFORMED', async () => {
    const t = tokenFor(auth);
    await rejectsWith(check(validator(), { ...t, signature: `${t.signature.slice(0, 10)}*${t.signature.slice(11)}` }), 'TOKEN_MALFORMED');
    await rejectsWith(check(validator(), { ...t, signature: t.signature.replace(/=*$/, '') + 'A' }), 'TOKEN_MALFORMED');
  });
});

describe('format', () => {
  for (const format of ['web-eid:1.0', 'web-eid:1', 'web-eid:1.1']) {
    test(`${format} accepted`, async () => {
      assert.equal((await check(validator(), { ...tokenFor(auth), format })).cardType, 'CPS');
    });
  }
  for (const format of ['web-eid:2.0', 'web-eid:10', 'web-eid:0.9', 'WEB-EID:1.0', 'web-eid', 'jwt']) {
    test(`${format} refused: TOKEN_FORMAT_UNSUPPORTED`, async () => {
      await rejectsWith(check(validator(), { ...tokenFor(auth), format }), 'TOKEN_FORMAT_UNSUPPORTED');
    });
  }
});

describe('certificate decoding', () => {
  test('base64 of garbage, broken base64, non-canonical base64, truncated DER: CERT_MALFORMED', async () => {
    const v = validator();
    const t = tokenFor(auth);
    const b64 = t.unverifiedCertificate;
    for (const bad of [Buffer.from('not a certificate at all, clearly').toString('base64'), `${b64.slice(0, 20)}!${b64.slice(21)}`,
      b64.slice(0, -4), Buffer.from(auth.der.subarray(0, auth.der.length - 10)).toString('base64'),
      // The genuine certificate followed by extra bytes: one certificate must have one fingerprint.
      Buffer.concat([auth.der, Buffer.from([0x05, 0x00])]).toString('base64')]) {
      await rejectsWith(check(v, { ...t, unverifiedCertificate: bad }), 'CERT_MALFORMED');
    }
  });
});

describe('purpose', () => {
  const cases: [string, Parameters<typeof makeLeaf>[1]['keyUsage'], string[] | null | undefined][] = [
    ['a signature certificate (nonRepudiation)', KU.nonRepudiation, null],
    ['a signature certificate that also has digitalSignature and clientAuth', KU.nonRepudiation | KU.digitalSignature, undefined],
    ['keyUsage without digitalSignature', KU.keyEncipherment, undefined],
    ['no keyUsage', null, undefined],
    ['an EKU without clientAuth', KU.digitalSignature, [EKU_EMAIL]],
  ];
  for (const [name, keyUsage, eku] of cases) {
    test(`${name}: CERT_PURPOSE_INVALID, even correctly signed`, async () => {
      const cert = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, keyUsage, eku });
      await rejectsWith(check(validator(), tokenFor(cert)), 'CERT_PURPOSE_INVALID');
    });
  }
  test('digitalSignature without any EKU is an authentication certificate', async () => {
    const cert = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, eku: null });
    assert.equal((await check(validator(), tokenFor(cert))).cardType, 'CPS');
  });
});

describe('policy', () => {
  test('allow list containing the policy: accepted', async () => {
    assert.ok(await check(validator({ policy: { allow: [AUTH_POLICY] } }), tokenFor(auth)));
  });
  test('allow list without it, or a certificate with no policy: CERT_POLICY_REJECTED', async () => {
    await rejectsWith(check(validator({ policy: { allow: ['1.2.3.4'] } }), tokenFor(auth)), 'CERT_POLICY_REJECTED');
    await rejectsWith(check(validator({ policy: { allow: [AUTH_POLICY] } }), tokenFor(revoked)), 'CERT_POLICY_REJECTED');
  });
  test('deny list containing it: CERT_POLICY_REJECTED; deny list without it: accepted', async () => {
    await rejectsWith(check(validator({ policy: { deny: [AUTH_POLICY] } }), tokenFor(auth)), 'CERT_POLICY_REJECTED');
    assert.ok(await check(validator({ policy: { deny: ['1.2.3.4'] } }), tokenFor(auth)));
  });
});

describe('validity at the validator clock', () => {
  test('expired: CERT_EXPIRED; not yet valid: CERT_NOT_YET_VALID', async () => {
    const expired = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
    const future = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 400 * DAY) });
    await rejectsWith(check(validator(), tokenFor(expired)), 'CERT_EXPIRED');
    await rejectsWith(check(validator(), tokenFor(future)), 'CERT_NOT_YET_VALID');
  });
  test('the clock decides, even for a certificate already cached as valid', async () => {
    let now = new Date();
    const v = validator({ clock: () => now });
    const token = JSON.stringify(tokenFor(auth));
    assert.ok(await check(v, token));
    now = new Date(auth.cert.notAfter.getTime() + 1000);
    await rejectsWith(check(v, token), 'CERT_EXPIRED');
    now = new Date(auth.cert.notBefore.getTime() - 1000);
    await rejectsWith(check(v, token), 'CERT_NOT_YET_VALID');
    now = new Date('not a date');
    await rejectsWith(check(v, token), 'INTERNAL_ERROR');
  });
});

describe('chain to a configured anchor', () => {
  test('anchors given as separate PEM texts, DER bytes, or the intermediate alone: accepted', async () => {
    const t = tokenFor(auth);
    assert.ok(await check(validator({ trustAnchors: [root.pem, ca.pem] }), t));
    assert.ok(await check(validator({ trustAnchors: [root.der, ca.der] }), t));
    assert.ok(await check(validator({ trustAnchors: [ca.pem] }), t));
  });
  test('the root alone with the intermediate given as untrusted: accepted; the root alone: CERT_UNTRUSTED', async () => {
    assert.ok(await check(validator({ trustAnchors: [root.pem], intermediates: [ca.pem] }), tokenFor(auth)));
    await rejectsWith(check(validator({ trustAnchors: [root.pem] }), tokenFor(auth)), 'CERT_UNTRUSTED');
  });
  test('another PKI: CERT_UNTRUSTED', async () => {
    const other = await makeChain(otherKey);
    const cert = await makeLeaf(other.intermediate, { subject: SUBJECTS.medecin, key });
    await rejectsWith(check(validator(), tokenFor(cert)), 'CERT_UNTRUSTED');
  });
  test('an issuer with the trusted name but another key: CERT_UNTRUSTED', async () => {
    const forger = await makeCa({ name: ca.cert.subject, key: otherKey, issuer: root, pathLen: 0 });
    const cert = await makeLeaf(forger, { subject: SUBJECTS.medecin, key });
    const e = await rejectsWith(check(validator(), tokenFor(cert)), 'CERT_UNTRUSTED');
    assert.ok(['ISSUER_KEY_ID_MISMATCH', 'ISSUER_SIGNATURE_INVALID'].includes(String(e.params.reason)), String(e.params.reason));
  });
  test('pathLen: a root limited to 0 cannot have an intermediate below it', async () => {
    const limitedRoot = await makeCa({ name: 'CN=LIMITED ROOT, C=FR', key: otherKey, pathLen: 0 });
    const sub = await makeCa({ name: 'CN=SUB CA, C=FR', key: otherKey, issuer: limitedRoot });
    const cert = await makeLeaf(sub, { subject: SUBJECTS.medecin, key });
    const e = await rejectsWith(check(validator({ trustAnchors: [limitedRoot.pem], intermediates: [sub.pem] }), tokenFor(cert)), 'CERT_UNTRUSTED');
    assert.equal(e.params.reason, 'PATH_TOO_LONG');
    assert.match(errorMessage(e.code, 'en', e.params), /chain too long \(LIMITED ROOT, pathLen 0\)/);
    assert.match(errorMessage(e.code, 'fr', e.params), /longueur de chaîne dépassée \(LIMITED ROOT, pathLen 0\)/);
    const openRoot = await makeCa({ name: 'CN=OPEN ROOT, C=FR', key: otherKey });
    const sub2 = await makeCa({ name: 'CN=SUB CA 2, C=FR', key: otherKey, issuer: openRoot });
    const cert2 = await makeLeaf(sub2, { subject: SUBJECTS.medecin, key });
    assert.ok(await check(validator({ trustAnchors: [openRoot.pem], intermediates: [sub2.pem], revocation: 'off' }), tokenFor(cert2)));
  });
  test('an issuer that is not a CA, or may not sign certificates: CERT_UNTRUSTED', async () => {
    const notCa = await makeCa({ name: 'CN=NOT A CA, C=FR', key: otherKey, issuer: root, ca: false });
    const noCertSign = await makeCa({ name: 'CN=NO CERTSIGN, C=FR', key: otherKey, issuer: root, keyUsage: KU.cRLSign });
    for (const issuer of [notCa, noCertSign]) {
      const cert = await makeLeaf(issuer, { subject: SUBJECTS.medecin, key });
      await rejectsWith(check(validator({ trustAnchors: [root.pem, issuer.pem] }), tokenFor(cert)), 'CERT_UNTRUSTED');
    }
  });
  test('an anchor outside its validity at the clock time: CERT_UNTRUSTED', async () => {
    const old = await makeCa({ name: 'CN=OLD CA, C=FR', key: otherKey, notBefore: new Date(Date.now() - 900 * DAY), notAfter: new Date(Date.now() - DAY) });
    const cert = await makeLeaf(old, { subject: SUBJECTS.medecin, key });
    const e = await rejectsWith(check(validator({ trustAnchors: [old.pem], revocation: 'off' }), tokenFor(cert)), 'CERT_UNTRUSTED');
    assert.deepEqual({ ...e.params }, { reason: 'CA_OUT_OF_VALIDITY', ca: 'OLD CA' });
  });
  test('an unknown critical extension: CERT_UNTRUSTED', async () => {
    const cert = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, extensions: [new x509.Extension('1.2.3.4.5', true, new Uint8Array([5, 0]))] });
    await rejectsWith(check(validator(), tokenFor(cert)), 'CERT_UNTRUSTED');
  });
  test('a certificate whose bytes were altered after issuance: CERT_UNTRUSTED', async () => {
    const der = Buffer.from(auth.der);
    const at = der.indexOf(Buffer.from('DONNAT'));
    der[at] = 'B'.charCodeAt(0);
    await rejectsWith(check(validator(), { ...tokenFor(auth), unverifiedCertificate: der.toString('base64') }), 'CERT_UNTRUSTED');
  });
  test('no anchor at all is a configuration error', () => {
    assert.throws(() => new TokenValidator({ trustAnchors: [] }), /CERT_UNTRUSTED|trust|confiance/);
    assert.throws(() => new TokenValidator({ trustAnchors: ['not a PEM'] }));
  });
});

describe('revocation', () => {
  test('a serial listed in the CRL: CERT_REVOKED', async () => {
    await rejectsWith(check(validator(), tokenFor(revoked)), 'CERT_REVOKED');
  });
  test('validated as of before its revocation date, it was still good', async () => {
    const v = validator({ clock: () => new Date(Date.now() - 3 * DAY) });
    assert.ok(await check(v, tokenFor(revoked)));
  });
  test('no CRL for the issuer: hard → REVOCATION_UNAVAILABLE, soft → accepted with a warning, off → accepted', async () => {
    const none = { files: [], fetch: false };
    await rejectsWith(check(validator({ crls: none }), tokenFor(auth)), 'REVOCATION_UNAVAILABLE');
    const soft = await check(validator({ crls: none, revocation: 'soft' }), tokenFor(auth));
    assert.equal(soft.warnings.length, 1);
    assert.equal(soft.warnings[0]!.code, 'REVOCATION_UNAVAILABLE');
    assert.deepEqual((await check(validator({ crls: none, revocation: 'off' }), tokenFor(auth))).warnings, []);
  });
  test('soft mode still refuses a revoked certificate', async () => {
    await rejectsWith(check(validator({ revocation: 'soft' }), tokenFor(revoked)), 'CERT_REVOKED');
  });
  test('a CRL past its nextUpdate is not used', async () => {
    const stale = tmp.path('stale.crl');
    writeFileSync(stale, await makeCrl(ca, { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) }));
    const e = await rejectsWith(check(validator({ crls: { files: [stale], fetch: false } }), tokenFor(auth)), 'REVOCATION_UNAVAILABLE');
    assert.equal(e.params.reason, 'CRL_EXPIRED');
    assert.equal(e.params.where, stale, 'the file is named');
    assert.ok(await check(validator({ crls: { files: [stale], fetch: false }, clock: () => new Date(Date.now() - 2 * DAY) }), tokenFor(auth)));
  });
  test('a CRL not signed by the issuer is ignored (a forged CRL cannot clear a revoked card nor be trusted)', async () => {
    const forged = tmp.path('forged.crl');
    writeFileSync(forged, await makeCrl(ca, { signer: otherKey }));
    await rejectsWith(check(validator({ crls: { files: [forged], fetch: false } }), tokenFor(revoked)), 'REVOCATION_UNAVAILABLE');
  });
  test('a CRL file replaced on disk is re-read (revocation is never cached with the certificate)', async () => {
    const file = tmp.path('changing.crl');
    writeFileSync(file, await makeCrl(ca));
    const v = validator({ crls: { files: [file], fetch: false, refreshMs: 0 } });
    const token = JSON.stringify(tokenFor(auth));
    assert.ok(await check(v, token));
    writeFileSync(file, await makeCrl(ca, { revoked: [{ serial: auth.serial }], thisUpdate: new Date(Date.now() - 1000) }));
    await rejectsWith(check(v, token), 'CERT_REVOKED');
  });
  test('a PEM CRL file is read too', async () => {
    const der = await makeCrl(ca, { revoked: [{ serial: revoked.serial }] });
    const pem = tmp.path('ca.crl.pem');
    writeFileSync(pem, `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`);
    await rejectsWith(check(validator({ crls: { files: [pem], fetch: false } }), tokenFor(revoked)), 'CERT_REVOKED');
  });
  test('an unreadable CRL file is a configuration error', () => {
    assert.throws(() => validator({ crls: { files: [tmp.path('missing.crl')] } }),
      (e: unknown) => e instanceof CpxError && e.code === 'REVOCATION_UNAVAILABLE' && e.params.reason === 'CRL_UNREADABLE');
  });
});

describe('signature over H(origin) || H(nonce)', () => {
  test('another origin or another nonce: TOKEN_SIGNATURE_INVALID', async () => {
    await rejectsWith(check(validator(), tokenFor(auth, { origin: 'https://evil.example.org' })), 'TOKEN_SIGNATURE_INVALID');
    await rejectsWith(check(validator(), tokenFor(auth, { nonce: randomNonce() })), 'TOKEN_SIGNATURE_INVALID');
    await rejectsWith(check(validator(), tokenFor(auth, { origin: `${ORIGIN}/` })), 'TOKEN_SIGNATURE_INVALID');
  });
  test('a tampered signature: TOKEN_SIGNATURE_INVALID', async () => {
    const t = tokenFor(auth);
    const sig = Buffer.from(t.signature, 'base64');
    sig[100]! ^= 0x01;
    await rejectsWith(check(validator(), { ...t, signature: sig.toString('base64') }), 'TOKEN_SIGNATURE_INVALID');
    await rejectsWith(check(validator(), { ...t, signature: Buffer.from(sig.subarray(1)).toString('base64') }), 'TOKEN_SIGNATURE_INVALID');
  });
  test('a certificate swapped for another trusted one: TOKEN_SIGNATURE_INVALID', async () => {
    const other = await makeLeaf(ca, { subject: SUBJECTS.medecin, key: otherKey, cardType: 0 });
    const t = tokenFor(auth);
    await rejectsWith(check(validator(), { ...t, unverifiedCertificate: Buffer.from(other.der).toString('base64') }), 'TOKEN_SIGNATURE_INVALID');
  });
  test('RS384, RS512, PS256, PS384, PS512 on the RSA key: accepted', async () => {
    for (const alg of ['RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const) {
      const r = await check(validator(), tokenFor(auth, { alg }));
      assert.equal(r.algorithm, alg);
    }
  });
  test('the algorithm field changed after signing: TOKEN_SIGNATURE_INVALID', async () => {
    for (const alg of ['RS384', 'PS256']) {
      await rejectsWith(check(validator(), { ...tokenFor(auth), algorithm: alg }), 'TOKEN_SIGNATURE_INVALID');
    }
  });
  test('an unknown algorithm or one that does not fit the key: TOKEN_ALGORITHM_UNSUPPORTED', async () => {
    for (const alg of ['HS256', 'none', 'ES256', 'ES384', 'rs256', 'EdDSA']) {
      await rejectsWith(check(validator(), { ...tokenFor(auth), algorithm: alg }), 'TOKEN_ALGORITHM_UNSUPPORTED');
    }
  });
  test('an RSA key under 2048 bits: CERT_KEY_UNSUPPORTED (with the certificate, before the signature)', async () => {
    const weak = await makeKey('rsa1024');
    const cert = await makeLeaf(ca, { subject: SUBJECTS.medecin, key: weak });
    await rejectsWith(check(validator(), tokenFor(cert)), 'CERT_KEY_UNSUPPORTED');
  });
  test('PS256 signed with a salt other than the hash length: TOKEN_SIGNATURE_INVALID', async () => {
    const { sign, constants } = await import('node:crypto');
    const sig = sign('sha256', signedData(ORIGIN, nonce), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
    await rejectsWith(check(validator(), { ...tokenFor(auth), algorithm: 'PS256', signature: sig.toString('base64') }), 'TOKEN_SIGNATURE_INVALID');
    assert.ok(signWith(key.privateKey, 'PS256', signedData(ORIGIN, nonce)).length === 256);
  });
});

describe('a CPx holder', () => {
  test('a trusted authentication certificate without a CPx national identifier: CARD_NOT_RECOGNISED', async () => {
    const cert = await makeLeaf(ca, { subject: 'CN=Jean Dupont, C=FR', key });
    await rejectsWith(check(validator(), tokenFor(cert)), 'CARD_NOT_RECOGNISED');
  });
  test('a structure card without the card-type extension: type inferred and marked so', async () => {
    const cert = await makeLeaf(ca, { subject: SUBJECTS.cpe, key });
    const r = await check(validator(), tokenFor(cert));
    assert.equal(r.cardType, 'CPE');
    assert.equal(r.cardTypeInferred, true);
    assert.equal(r.holder.nationalId.structureId, '760021832');
  });
});
