// Genuine Web eID-style tokens, not only this project's: EC keys with raw R||S signatures (ES256/384/512), the
// message hashed with the algorithm's hash, and an eID card of another country (no CPx holder).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { TokenValidator } from '../../server/validator/index.ts';
import {
  EKU_CLIENT_AUTH, EKU_EMAIL, KU, SUBJECTS, makeCa, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, signedData,
  type TestCa, type TestCert, type TestKey,
} from './pki-fixture.ts';
import { ORIGIN, rejectsWith, tempDir } from './helpers.ts';

const tmp = tempDir('webeid-ec');
after(() => tmp.cleanup());
const nonce = randomNonce();
let ecRoot: TestCa, ecCa: TestCa;
let p384: TestKey;
let estonian: TestCert, cps384: TestCert, cps256: TestCert, cps521: TestCert;
let crlFile: string;

before(async () => {
  const [rootKey, caKey, k256, k384, k521] = await Promise.all(['ec384', 'ec384', 'ec256', 'ec384', 'ec521'].map((k) => makeKey(k as 'ec384')));
  p384 = k384!;
  ecRoot = await makeCa({ name: 'C=EE, O=TEST EID, CN=TEST EC ROOT', key: rootKey! });
  ecCa = await makeCa({ name: 'C=EE, O=TEST EID, CN=TEST of EC EID CA', key: caKey!, issuer: ecRoot, pathLen: 0 });
  // An Estonian ID-card shaped authentication certificate: keyUsage digitalSignature + keyAgreement, EKU clientAuth +
  // emailProtection, the personal code in serialNumber, a CN that is a name (not a CPx idNat).
  estonian = await makeLeaf(ecCa, {
    subject: [{ C: ['EE'] }, { CN: ['JÕEORG,JAAK-KRISTJAN,38001085718'] }, { SN: ['JÕEORG'] }, { '2.5.4.42': ['JAAK-KRISTJAN'] },
      { '2.5.4.5': ['PNOEE-38001085718'] }],
    key: p384, keyUsage: KU.digitalSignature | KU.keyAgreement, eku: [EKU_CLIENT_AUTH, EKU_EMAIL],
  });
  cps384 = await makeLeaf(ecCa, { subject: SUBJECTS.medecin, key: p384, cardType: 0 });
  cps256 = await makeLeaf(ecCa, { subject: SUBJECTS.pharmacien, key: k256!, cardType: 0 });
  cps521 = await makeLeaf(ecCa, { subject: SUBJECTS.cpe, key: k521!, cardType: 2 });
  crlFile = tmp.path('ec.crl');
  writeFileSync(crlFile, await makeCrl(ecCa));
});

const validator = () => new TokenValidator({ trustAnchors: [ecRoot.pem, ecCa.pem], crls: { files: [crlFile], fetch: false } });
const expected = { origin: ORIGIN, nonce };

describe('EC keys', () => {
  test('ES384 on P-384 with a raw R||S signature (96 bytes) over SHA-384(origin) || SHA-384(nonce)', async () => {
    const token = makeToken(cps384, ORIGIN, nonce, 'ES384');
    assert.equal(Buffer.from(token.signature, 'base64').length, 96);
    const r = await validator().validate(JSON.stringify(token), expected);
    assert.equal(r.algorithm, 'ES384');
    assert.equal(r.holder.surname, 'DONNAT-GADY');
  });
  test('ES256 on P-256 and ES512 on P-521', async () => {
    assert.equal((await validator().validate(makeToken(cps256, ORIGIN, nonce, 'ES256'), expected)).holder.givenName, 'CAROLE');
    const r = await validator().validate(makeToken(cps521, ORIGIN, nonce, 'ES512'), expected);
    assert.equal(Buffer.from(makeToken(cps521, ORIGIN, nonce, 'ES512').signature, 'base64').length, 132);
    assert.equal(r.cardType, 'CPE');
  });
  test('an ES* algorithm on the wrong curve, or RS256 on an EC key: TOKEN_ALGORITHM_UNSUPPORTED', async () => {
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), algorithm: 'ES256' }, expected), 'TOKEN_ALGORITHM_UNSUPPORTED');
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), algorithm: 'ES512' }, expected), 'TOKEN_ALGORITHM_UNSUPPORTED');
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), algorithm: 'RS256' }, expected), 'TOKEN_ALGORITHM_UNSUPPORTED');
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), algorithm: 'PS384' }, expected), 'TOKEN_ALGORITHM_UNSUPPORTED');
  });
  test('a DER-encoded ECDSA signature instead of raw R||S: TOKEN_SIGNATURE_INVALID', async () => {
    const der = sign('sha384', signedData(ORIGIN, nonce, 'ES384'), p384.privateKey);
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), signature: der.toString('base64') }, expected), 'TOKEN_SIGNATURE_INVALID');
  });
  test('ES384 over SHA-256 hashes of origin and nonce (not what Web eID signs): TOKEN_SIGNATURE_INVALID', async () => {
    const sig = sign('sha384', signedData(ORIGIN, nonce, 'RS256'), { key: p384.privateKey, dsaEncoding: 'ieee-p1363' });
    await rejectsWith(validator().validate({ ...makeToken(cps384, ORIGIN, nonce, 'ES384'), signature: sig.toString('base64') }, expected), 'TOKEN_SIGNATURE_INVALID');
  });
  test('R and S swapped, or a wrong nonce: TOKEN_SIGNATURE_INVALID', async () => {
    const t = makeToken(cps384, ORIGIN, nonce, 'ES384');
    const sig = Buffer.from(t.signature, 'base64');
    const swapped = Buffer.concat([sig.subarray(48), sig.subarray(0, 48)]);
    await rejectsWith(validator().validate({ ...t, signature: swapped.toString('base64') }, expected), 'TOKEN_SIGNATURE_INVALID');
    await rejectsWith(validator().validate(makeToken(cps384, ORIGIN, randomNonce(), 'ES384'), expected), 'TOKEN_SIGNATURE_INVALID');
  });
});

describe('an eID card of another country', () => {
  test('passes every Web eID check (validateWebEid) with no CPx holder', async () => {
    const r = await validator().validateWebEid({ ...makeToken(estonian, ORIGIN, nonce, 'ES384'), format: 'web-eid:1.1' }, expected);
    assert.equal(r.holder, null);
    assert.equal(r.cardType, null);
    assert.equal(r.subject, 'serialNumber=PNOEE-38001085718, GN=JAAK-KRISTJAN, SN=JÕEORG, CN=JÕEORG\\,JAAK-KRISTJAN\\,38001085718, C=EE');
  });
  test('is refused by the CPx validate() only after every security check: CARD_NOT_RECOGNISED', async () => {
    await rejectsWith(validator().validate(makeToken(estonian, ORIGIN, nonce, 'ES384'), expected), 'CARD_NOT_RECOGNISED');
    await rejectsWith(validator().validate(makeToken(estonian, ORIGIN, randomNonce(), 'ES384'), expected), 'TOKEN_SIGNATURE_INVALID');
  });
});
