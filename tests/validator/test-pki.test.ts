// Tokens signed with the simulated cards' keys (the project's test PKI) against its trust file and CRL, the way the
// account service is configured with CPX_TEST_TRUST / CPX_TEST_CRL.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensurePki, type TestPki } from '../../native/sim/pki/index.ts';
import { PROFILE_NAMES, getProfile } from '../../native/sim/profiles.ts';
import { TokenValidator } from '../../server/validator/index.ts';
import { WEB_EID_FORMAT, type TokenAlgorithm } from '../../protocol/webeid.ts';
import type { LeafMaterial } from '../../native/sim/pki/index.ts';
import { randomNonce, signWith, signedData } from './pki-fixture.ts';
import { ORIGIN, rejectsWith } from './helpers.ts';

let pki: TestPki;
let validator: TokenValidator;
before(async () => {
  pki = await ensurePki();
  validator = new TokenValidator({ trustAnchors: [readFileSync(pki.trustPemPath, 'utf8')], crls: { files: [pki.crlPath], fetch: false } });
});

function token(leaf: LeafMaterial, nonce: string, alg: TokenAlgorithm = 'RS256') {
  const key = createPrivateKey({ key: Buffer.from(leaf.privateKey), format: 'der', type: 'pkcs8' });
  return {
    unverifiedCertificate: Buffer.from(leaf.certificate).toString('base64'),
    algorithm: alg,
    signature: signWith(key, alg, signedData(ORIGIN, nonce, alg)).toString('base64'),
    format: WEB_EID_FORMAT,
    appVersion: 'cpx-link/test',
  };
}

const refusedAs: Record<string, string> = { expired: 'CERT_EXPIRED', revoked: 'CERT_REVOKED' };

for (const name of PROFILE_NAMES) {
  const profile = getProfile(name);
  if (!profile.authentication) continue;
  const want = refusedAs[name];
  test(`${name}: ${want ?? 'valid, holder from the certificate'}`, async () => {
    const nonce = randomNonce();
    const p = validator.validate(JSON.stringify(token(pki.card(name).authentication!, nonce)), { origin: ORIGIN, nonce });
    if (want) {
      await rejectsWith(p, want);
      return;
    }
    const r = await p;
    assert.equal(r.holder.nationalId.raw, profile.nationalId);
    assert.equal(r.cardType, profile.cardType);
    assert.equal(r.holder.surname, profile.surname ?? profile.pseudonym);
  });
}

test('every signature certificate (sign-only included) is refused for authentication: CERT_PURPOSE_INVALID', async () => {
  for (const name of PROFILE_NAMES) {
    const sig = pki.card(name).signature;
    if (!sig) continue;
    const nonce = randomNonce();
    await rejectsWith(validator.validate(token(sig, nonce), { origin: ORIGIN, nonce }), 'CERT_PURPOSE_INVALID');
  }
});

test('PS256 with a card key (CPS4 cards sign RSA-PSS) validates too', async () => {
  const nonce = randomNonce();
  const r = await validator.validate(token(pki.card('cps-medecin').authentication!, nonce, 'PS256'), { origin: ORIGIN, nonce });
  assert.equal(r.algorithm, 'PS256');
});

test('wrong origin and wrong nonce with a card key: TOKEN_SIGNATURE_INVALID', async () => {
  const nonce = randomNonce();
  const t = token(pki.card('cps-pharmacien').authentication!, nonce);
  await rejectsWith(validator.validate(t, { origin: 'https://other.example.org', nonce }), 'TOKEN_SIGNATURE_INVALID');
  await rejectsWith(validator.validate(t, { origin: ORIGIN, nonce: randomNonce() }), 'TOKEN_SIGNATURE_INVALID');
});
