// Tokens produced by the card layer (card service → simulator → SoftHSM2) validate against the test PKI's trust file
// and CRL, the way the account service is set up from `npm run cards -- env`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TokenValidator } from '../../server/validator/index.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { newNonce, pinBytes, startService, withTimeout, type Harness } from '../card/harness.ts';
import { rejectsWith } from './helpers.ts';

const ORIGIN = 'http://127.0.0.1:18531';
let sim: Sim;
let svc: Harness;
let validator: TokenValidator;

before(async () => {
  sim = await makeSim({ readers: 2 });
  await sim.insert('cpe', 0);
  await sim.insert('revoked', 1);
  svc = await startService(sim.env);
  validator = new TokenValidator({
    trustAnchors: [readFileSync(sim.env.CPX_TEST_TRUST!, 'utf8')],
    crls: { files: [sim.env.CPX_TEST_CRL!], fetch: false },
  });
});
after(async () => {
  await svc?.close();
  await sim?.cleanup();
});

const sign = (readerIndex: number, nonce: string) =>
  withTimeout(svc.client.request('authenticate', { readerIndex, origin: ORIGIN, nonce, pin: pinBytes('1234') }), 15_000, 'authenticate');

test('a CPE card token validates: FINESS/internal id, organisation, card type from the certificate', async () => {
  const nonce = newNonce();
  const token = await sign(0, nonce);
  const r = await validator.validate(JSON.stringify(token), { origin: ORIGIN, nonce });
  assert.equal(r.cardType, 'CPE');
  assert.equal(r.cardTypeInferred, false);
  assert.equal(r.holder.nationalId.type, 'FINESS');
  assert.equal(r.holder.nationalId.raw, '3330999996/CPET00001');
  assert.equal(r.holder.organisation, 'CENTRE HOSPITALIER DE TEST CPX');
  assert.equal(r.algorithm, 'RS256');
  await rejectsWith(validator.validate(token, { origin: ORIGIN, nonce: newNonce() }), 'TOKEN_SIGNATURE_INVALID');
  await rejectsWith(validator.validate(token, { origin: 'http://127.0.0.1:18532', nonce }), 'TOKEN_SIGNATURE_INVALID');
});

test('the revoked card signs, and its token is CERT_REVOKED', async () => {
  const nonce = newNonce();
  await rejectsWith(validator.validate(await sign(1, nonce), { origin: ORIGIN, nonce }), 'CERT_REVOKED');
});
