// How the app reads a service's answers when they are not the reference service's: a proxy's HTML error page, an
// empty 500, a redirect towards another origin (never followed), a server that accepts and never answers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { CpxError } from '../../protocol/errors.ts';
import { AccountService } from '../../electron/core/account-service.ts';
import { fetchHttp } from '../../electron/core/fetch-http.ts';
import { FileLogger } from '../../electron/core/log.ts';

let server: Server;
let base: string;
const hits: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    switch (req.url) {
      case '/proxy/api/regions':
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
        break;
      case '/empty/api/regions':
        res.writeHead(500).end();
        break;
      case '/moved/api/regions':
        res.writeHead(302, { location: 'https://evil.example.com/api/regions' }).end();
        break;
      case '/limited/api/auth/challenge':
        res.writeHead(429, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Trop de tentatives.', params: { retryAfter: 30 } } }));
        break;
      case '/odd/api/auth/challenge':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nonce: 'short', expiresAt: new Date().toISOString() }));
        break;
      case '/named/api/auth/challenge':
      case '/impostor/api/auth/challenge': {
        // The first names itself at its own origin; the second claims another service's.
        const origin = req.url.startsWith('/named') ? base : 'https://orientation.sante-centre.fr';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          nonce: 'A'.repeat(43) + '=', expiresAt: new Date(Date.now() + 60_000).toISOString(), service: { name: 'ViaTrajectoire — Grand Est', origin } }));
        break;
      }
      case '/silent/api/regions':
        break; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

function serviceAt(path: string, timeoutMs?: number): AccountService {
  const log = new FileLogger({ level: () => 'debug' });
  return new AccountService(fetchHttp(fetch, { timeoutMs }), () => ({ serviceUrl: base + path, allowedOrigins: [] }), log);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; return 'OK'; } catch (e) { return e instanceof CpxError ? e.code : `not a CpxError: ${String(e)}`; }
}

/** The CpxError `p` rejects with (anything else fails the test). */
async function errorOf(p: Promise<unknown>): Promise<CpxError> {
  const e = await p.then(() => assert.fail('no error'), (err: unknown) => err);
  assert.ok(e instanceof CpxError, String(e));
  return e;
}

test('a proxy answering 502 with an HTML page: SERVICE_UNREACHABLE (retriable), saying which host', async () => {
  const e = await errorOf(serviceAt('/proxy').regions());
  assert.equal(e.code, 'SERVICE_UNREACHABLE');
  assert.equal(e.retriable, true);
  assert.match(e.toBody('fr').message, /127\.0\.0\.1:\d+: HTTP 502/);
});

test('an empty 500: INTERNAL_ERROR with the status, not a crash', async () => {
  assert.equal(await codeOf(serviceAt('/empty').regions()), 'INTERNAL_ERROR');
});

test('a redirect is never followed (it could lead outside the allowed origins)', async () => {
  hits.length = 0;
  assert.equal(await codeOf(serviceAt('/moved').regions()), 'SERVICE_UNREACHABLE');
  assert.deepEqual(hits, ['GET /moved/api/regions']);
});

test('a service error body keeps its code and parameters', async () => {
  const e = await errorOf(serviceAt('/limited').challenge());
  assert.equal(e.code, 'RATE_LIMITED');
  assert.match(e.toBody('fr').message, /30 secondes/);
});

test('a malformed challenge is refused before any PIN is asked (INVALID_NONCE)', async () => {
  assert.equal(await codeOf(serviceAt('/odd').challenge()), 'INVALID_NONCE');
});

test('a service that accepts the connection and never answers: SERVICE_UNREACHABLE after the request timeout', async () => {
  assert.equal(await codeOf(serviceAt('/silent', 300).regions()), 'SERVICE_UNREACHABLE');
});

test('the challenge keeps the name the service gives itself only when it is given for its own origin', async () => {
  assert.deepEqual((await serviceAt('/named').challenge()).service, { name: 'ViaTrajectoire — Grand Est', origin: base });
  const impostor = await serviceAt('/impostor').challenge();
  assert.equal(impostor.service, undefined, 'a name for another origin is dropped (the origin then names the service)');
  assert.equal(impostor.nonce.length, 44);
});
