// The real IGC-Santé CA certificates (valid to 2033) as trust anchors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { TokenValidator } from '../../server/validator/index.ts';
import { TrustStore } from '../../server/validator/trust-store.ts';
import { errorMessage } from '../../protocol/errors.ts';
import { parseCertificate } from '../../protocol/identity.ts';
import { SUBJECTS, makeCa, makeChain, makeKey, makeLeaf, makeToken, randomNonce, type TestCa, type TestKey } from './pki-fixture.ts';
import { ORIGIN, rejectsWith } from './helpers.ts';

// The real CA certificates as the card PKI publishes them (../shared/pki/igc-sante/, beside the checkout).
const DIR = new URL('../../../shared/pki/igc-sante/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.pem')).sort();
const pems = files.map((f) => readFileSync(new URL(f, DIR), 'utf8'));
const nonce = randomNonce();
let key: TestKey;
let chain: { root: TestCa; intermediate: TestCa };
before(async () => {
  key = await makeKey('rsa2048');
  chain = await makeChain();
});

test('all nine real IGC-Santé CA certificates load as anchors; the FORT PERSONNES CA chains to its root', () => {
  assert.equal(files.length, 9);
  const store = new TrustStore(pems);
  assert.equal(store.all.length, 9);
  const personnes = store.all.find((c) => c.facts.subject.startsWith('CN=AC IGC-SANTE FORT PERSONNES'))!;
  assert.ok(personnes);
  assert.deepEqual(personnes.facts.basicConstraints, { ca: true, pathLen: 0 });
  assert.equal(personnes.facts.issuer, 'CN=AC RACINE IGC-SANTE FORT, OU=IGC-SANTE, OU=0002 187512751, O=ASIP-SANTE, C=FR');
  assert.deepEqual(personnes.facts.crlDistributionPoints.filter((u) => u.startsWith('http')), ['http://igc-sante.esante.gouv.fr/CRL/ACR-FO.crl']);
  const root = store.all.find((c) => c.facts.subject.startsWith('CN=AC RACINE IGC-SANTE FORT'))!;
  assert.ok(personnes.x509.verify(root.publicKey));
  assert.equal(parseCertificate(personnes.facts.der).notAfter.slice(0, 4), '2033');
});

test('a token from the test PKI is CERT_UNTRUSTED against the real anchors', async () => {
  const v = new TokenValidator({ trustAnchors: pems, crls: { fetch: false } });
  const leaf = await makeLeaf(chain.intermediate, { subject: SUBJECTS.medecin, key, cardType: 0 });
  const e = await rejectsWith(v.validate(makeToken(leaf, ORIGIN, nonce), { origin: ORIGIN, nonce }), 'CERT_UNTRUSTED');
  assert.equal(e.params.reason, 'ISSUER_UNKNOWN');
  assert.match(errorMessage(e.code, 'en', e.params), /\(unknown issuer: .*CN=/);
});

test('a forged CA copying the real FORT PERSONNES name is CERT_UNTRUSTED (its signature does not verify)', async () => {
  const fake = await makeCa({
    name: [{ C: ['FR'] }, { O: ['ASIP-SANTE'] }, { OU: ['0002 187512751'] }, { OU: ['IGC-SANTE'] }, { CN: ['AC IGC-SANTE FORT PERSONNES'] }],
    key,
  });
  const real = new TrustStore(pems).all.find((c) => c.facts.subject.startsWith('CN=AC IGC-SANTE FORT PERSONNES'))!;
  assert.equal(parseCertificate(fake.der).subject, real.facts.subject);
  const leaf = await makeLeaf(fake, { subject: SUBJECTS.medecin, key, cardType: 0 });
  const v = new TokenValidator({ trustAnchors: pems, crls: { fetch: false } });
  const e = await rejectsWith(v.validate(makeToken(leaf, ORIGIN, nonce), { origin: ORIGIN, nonce }), 'CERT_UNTRUSTED');
  assert.ok(['ISSUER_KEY_ID_MISMATCH', 'ISSUER_SIGNATURE_INVALID'].includes(String(e.params.reason)), String(e.params.reason));
});

test('the anchors the account service ships are the published ones, byte for byte', () => {
  const shipped = new URL('../../server/config/igc-sante/', import.meta.url);
  const names = readdirSync(shipped).filter((n) => n.endsWith('.pem'));
  assert.ok(names.length >= 2, 'no shipped anchors');
  for (const n of names) assert.equal(readFileSync(new URL(n, shipped), 'utf8'), readFileSync(new URL(n, DIR), 'utf8'), n);
});
