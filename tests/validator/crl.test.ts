// The CRL decoder (a DER walker, for CRLs of hundreds of thousands of entries) and its signature check.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCrl, verifyX509Signature } from '../../server/validator/crl.ts';
import { makeCa, makeChain, makeCrl, makeKey, type TestCa } from './pki-fixture.ts';

let rsaCa: TestCa;
let ecCa: TestCa;
before(async () => {
  ({ intermediate: rsaCa } = await makeChain());
  ecCa = await makeCa({ name: 'CN=EC CA, C=FR', key: await makeKey('ec384') });
});

test('entries, dates (UTCTime and GeneralizedTime), issuer and authority key id', async () => {
  const revokedAt = new Date('2025-03-04T05:06:07Z');
  const crl = parseCrl(await makeCrl(rsaCa, {
    revoked: [{ serial: '00ff01', date: revokedAt }, { serial: '7f', date: new Date('2051-01-02T03:04:05Z') }],
    thisUpdate: new Date('2026-01-01T00:00:00Z'), nextUpdate: new Date('2052-06-07T08:09:10Z'),
  }));
  assert.equal(crl.issuer, 'CN=AC CPX TEST PERSONNES, OU=IGC-SANTE-TEST, O=CPX-TEST, C=FR');
  assert.equal(crl.thisUpdate.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(crl.nextUpdate?.toISOString(), '2052-06-07T08:09:10.000Z');
  assert.deepEqual([...crl.revoked], [['ff01', revokedAt.getTime()], ['7f', Date.parse('2051-01-02T03:04:05Z')]]);
  assert.equal(verifyX509Signature(crl.signatureAlgorithm, crl.tbs, crl.signature, rsaCa.key.publicKey), true);
});

test('no nextUpdate, no entries, PEM form', async () => {
  const der = await makeCrl(rsaCa, { nextUpdate: null });
  const pem = `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64')}\n-----END X509 CRL-----\n`;
  const crl = parseCrl(new TextEncoder().encode(pem));
  assert.equal(crl.nextUpdate, null);
  assert.equal(crl.revoked.size, 0);
});

test('ECDSA-signed CRL verifies with its CA key and not with another', async () => {
  const crl = parseCrl(await makeCrl(ecCa, { revoked: [{ serial: '01' }] }));
  assert.equal(verifyX509Signature(crl.signatureAlgorithm, crl.tbs, crl.signature, ecCa.key.publicKey), true);
  assert.equal(verifyX509Signature(crl.signatureAlgorithm, crl.tbs, crl.signature, rsaCa.key.publicKey), false);
});

test('a CRL altered after signing fails its signature; garbage and trailing bytes are refused', async () => {
  const der = await makeCrl(rsaCa, { revoked: [{ serial: 'abcdef' }] });
  const altered = Buffer.from(der);
  altered[altered.indexOf(Buffer.from([0xab, 0xcd, 0xef]))] = 0xac;
  const crl = parseCrl(altered);
  assert.equal(crl.revoked.has('accdef'), true);
  assert.equal(verifyX509Signature(crl.signatureAlgorithm, crl.tbs, crl.signature, rsaCa.key.publicKey), false);
  assert.throws(() => parseCrl(Buffer.concat([der, Buffer.from([0])])));
  assert.throws(() => parseCrl(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])));
  assert.throws(() => parseCrl(new TextEncoder().encode('<html>')));
  for (let i = 0; i < 300; i++) {
    const m = Buffer.from(der);
    m[(i * 7919) % m.length] ^= 1 + (i % 255);
    try { parseCrl(m); } catch (e) { assert.ok(e instanceof Error); }
  }
});
