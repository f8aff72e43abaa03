// CRLs fetched from the certificate's distribution point over HTTP (a loopback server): caching, one fetch for
// concurrent validations, refresh, stale and unreachable CRLs in hard and soft modes.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { errorMessage } from '../../protocol/errors.ts';
import { TokenValidator, type ValidatorConfig } from '../../server/validator/index.ts';
import { SUBJECTS, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, type TestCa, type TestCert } from './pki-fixture.ts';
import { ORIGIN, rejectsWith, tempDir } from './helpers.ts';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the CRL server answers next: a CRL, an HTTP error, or nothing at all (hang). */
let reply: { crl: Uint8Array } | { status: number } | 'hang' = { status: 404 };
let requests = 0;
let server: Server;
let base: string;
let root: TestCa, ca: TestCa;
let leaf: TestCert, leafElsewhere: TestCert;
const nonce = randomNonce();
const tmp = tempDir('crl-fetch');

before(async () => {
  server = createServer((req, res) => {
    requests++;
    if (reply === 'hang') return;
    if ('status' in reply) {
      res.writeHead(reply.status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from(reply.crl));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ root, intermediate: ca } = await makeChain());
  const key = await makeKey('rsa2048');
  // An LDAP distribution point first, as on the real IGC-Santé CAs: skipped, the http one is used.
  leaf = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, cardType: 0, crlUrls: ['ldap://annuaire.invalid/cn=x', `${base}/ca.crl`] });
  leafElsewhere = await makeLeaf(ca, { subject: SUBJECTS.medecin, key, cardType: 0, crlUrls: ['http://igc-sante.test.invalid/CRL/ca.crl'] });
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});
beforeEach(async () => {
  requests = 0;
  reply = { crl: await makeCrl(ca) };
});

const validator = (crls: ValidatorConfig['crls'] = {}, extra: Partial<ValidatorConfig> = {}) =>
  new TokenValidator({ trustAnchors: [root.pem, ca.pem], crls: { refreshMs: 60_000, ...crls }, ...extra });
const check = (v: TokenValidator, cert = leaf) => v.validate(makeToken(cert, ORIGIN, nonce), { origin: ORIGIN, nonce });

describe('fetching from the distribution point', () => {
  test('fetched once, then served from the cache', async () => {
    const v = validator();
    assert.ok(await check(v));
    assert.ok(await check(v));
    assert.equal(requests, 1);
  });

  test('twenty concurrent validations share one fetch', async () => {
    const v = validator();
    const results = await Promise.all(Array.from({ length: 20 }, () => check(v)));
    assert.equal(results.length, 20);
    assert.equal(requests, 1);
  });

  test('a revoked serial in the fetched CRL: CERT_REVOKED', async () => {
    reply = { crl: await makeCrl(ca, { revoked: [{ serial: leaf.serial }] }) };
    await rejectsWith(check(validator()), 'CERT_REVOKED');
  });

  test('refreshed after the interval: a revocation published later is seen', async () => {
    const v = validator({ refreshMs: 30 });
    assert.ok(await check(v));
    reply = { crl: await makeCrl(ca, { revoked: [{ serial: leaf.serial }] }) };
    await sleep(60);
    await rejectsWith(check(v), 'CERT_REVOKED');
    assert.equal(requests, 2);
  });

  test('a CRL whose nextUpdate has passed is fetched again, and refused while still stale', async () => {
    reply = { crl: await makeCrl(ca, { thisUpdate: new Date(Date.now() - 9 * DAY), nextUpdate: new Date(Date.now() - DAY) }) };
    const v = validator();
    const e = await rejectsWith(check(v), 'REVOCATION_UNAVAILABLE');
    assert.equal(e.params.reason, 'CRL_EXPIRED');
    reply = { crl: await makeCrl(ca) };
    assert.ok(await check(v));
    assert.equal(requests, 2);
  });

  test('a CRL signed by someone else is refused', async () => {
    reply = { crl: await makeCrl(ca, { signer: await makeKey('rsa2048') }) };
    await rejectsWith(check(validator()), 'REVOCATION_UNAVAILABLE');
  });

  test('garbage instead of a CRL: REVOCATION_UNAVAILABLE', async () => {
    reply = { crl: new TextEncoder().encode('<html>not found</html>') };
    await rejectsWith(check(validator()), 'REVOCATION_UNAVAILABLE');
  });

  test('no fetch when a CRL file already covers the issuer', async () => {
    const file = tmp.path('ca.crl');
    writeFileSync(file, await makeCrl(ca));
    assert.ok(await check(validator({ files: [file] })));
    assert.equal(requests, 0);
  });

  test('fetch disabled and no file: REVOCATION_UNAVAILABLE without any request', async () => {
    await rejectsWith(check(validator({ fetch: false })), 'REVOCATION_UNAVAILABLE');
    assert.equal(requests, 0);
  });

  test('a URL override sends the fetch to a mirror', async () => {
    const v = validator({ rewriteUrl: (u) => u.replace('http://igc-sante.test.invalid/CRL', base) });
    assert.ok(await check(v, leafElsewhere));
    assert.equal(requests, 1);
  });

  test('an injected fetcher replaces HTTP', async () => {
    const crl = await makeCrl(ca, { revoked: [{ serial: leafElsewhere.serial }] });
    const asked: string[] = [];
    const v = validator({ fetcher: async (url) => { asked.push(url); return crl; } });
    await rejectsWith(check(v, leafElsewhere), 'CERT_REVOKED');
    assert.deepEqual(asked, ['http://igc-sante.test.invalid/CRL/ca.crl']);
  });
});

describe('CRL server down', () => {
  test('HTTP 500: hard → REVOCATION_UNAVAILABLE naming the URL; soft → accepted with a warning', async () => {
    reply = { status: 500 };
    const e = await rejectsWith(check(validator()), 'REVOCATION_UNAVAILABLE');
    assert.equal(e.params.reason, 'CRL_UNREACHABLE');
    assert.match(String(e.params.cause), /HTTP 500/);
    assert.ok(String(e.params.where).startsWith(base), String(e.params.where));
    // The detail speaks the message's language, whatever the validator's.
    assert.match(errorMessage(e.code, 'en', e.params), /\(CRL unreachable: http:\/\/.+ \(HTTP 500\)\)\.$/);
    assert.match(errorMessage(e.code, 'fr', e.params), /\(LCR injoignable : http:\/\/.+ \(HTTP 500\)\)\.$/);
    const r = await check(validator({}, { revocation: 'soft' }));
    assert.equal(r.warnings[0]?.code, 'REVOCATION_UNAVAILABLE');
    assert.equal(r.warnings[0]?.params.reason, 'CRL_UNREACHABLE');
  });

  test('no answer within the timeout: REVOCATION_UNAVAILABLE', async () => {
    reply = 'hang';
    await rejectsWith(check(validator({ timeoutMs: 150 })), 'REVOCATION_UNAVAILABLE');
    server.closeAllConnections();
  });

  test('nothing listening: REVOCATION_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const v = validator({ rewriteUrl: () => `http://127.0.0.1:${port}/ca.crl` });
    await rejectsWith(check(v, leafElsewhere), 'REVOCATION_UNAVAILABLE');
  });

  test('a failed refresh keeps the previous CRL until its nextUpdate, without hammering the server', async () => {
    const v = validator({ refreshMs: 30 });
    assert.ok(await check(v));
    reply = { status: 503 };
    await sleep(60);
    assert.ok(await check(v), 'previous CRL still current');
    assert.equal(requests, 2);
    assert.ok(await check(v));
    assert.ok(await check(v));
    assert.equal(requests, 2, 'no new request right after a failure');
  });
});
