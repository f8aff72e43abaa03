// Web eID token helpers shared by the card layer and the validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  TOKEN_ALGORITHMS, WEB_EID_FORMAT, authSignedData, isTokenAlgorithm,
} from '../../protocol/webeid.ts';

test('format constant and algorithm table', () => {
  assert.equal(WEB_EID_FORMAT, 'web-eid:1.0');
  assert.deepEqual(Object.keys(TOKEN_ALGORITHMS).sort(), ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
  assert.equal(isTokenAlgorithm('RS256'), true);
  assert.equal(isTokenAlgorithm('HS256'), false);
  assert.equal(isTokenAlgorithm('toString'), false);
  assert.equal(TOKEN_ALGORITHMS.ES512.coordinateLength, 66);
});

test('authSignedData is H(origin) || H(nonce), SHA-256 by default, the algorithm hash when given', () => {
  const origin = 'https://example.org';
  const nonce = randomBytes(32).toString('base64');
  const h = (alg: string, s: string) => createHash(alg).update(s).digest();
  assert.deepEqual(Buffer.from(authSignedData(origin, nonce)), Buffer.concat([h('sha256', origin), h('sha256', nonce)]));
  assert.deepEqual(Buffer.from(authSignedData(origin, nonce, 'SHA-384')), Buffer.concat([h('sha384', origin), h('sha384', nonce)]));
  assert.deepEqual(Buffer.from(authSignedData(origin, nonce, 'SHA-512')), Buffer.concat([h('sha512', origin), h('sha512', nonce)]));
});
