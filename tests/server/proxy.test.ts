// The client address behind a reverse proxy, and the options that set it. Without --trust-proxy, X-Forwarded-For is
// ignored: a client cannot spread its requests over made-up addresses to escape its rate limit. With it, the proxy's
// header names the client (the right-most address the proxy did not add itself), for rate limits and the audit log.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RATE_LIMITS } from '../../server/app.ts';
import { parseArgs, toConfig } from '../../server/cli-options.ts';
import { startHarness } from './harness.ts';
import type { Harness } from './harness.ts';

/** A link request (refused at the token: only its count matters) from a loopback address, with a forwarded-for header. */
function link(h: Harness, from: string, forwardedFor: string): Promise<number> {
  const body = JSON.stringify({ token: 'not a token', nonce: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=', username: 'x', password: 'y' });
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.server.url}/api/cards/link`, {
      method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-forwarded-for': forwardedFor },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(body);
  });
}

const LIMIT = DEFAULT_RATE_LIMITS.link;

describe('client address', () => {
  it('reads --trust-proxy and --max-connections', () => {
    const c = toConfig(parseArgs(['--trust-proxy', '10.0.0.0/8,127.0.0.1', '--max-connections', '50']), {});
    assert.equal(c.trustProxy, '10.0.0.0/8,127.0.0.1');
    assert.deepEqual(c.connections, { maxConnections: 50 });
    assert.equal(toConfig(parseArgs([]), {}).trustProxy, null);
  });

  describe('with no trusted proxy', () => {
    let h: Harness;
    before(async () => { h = await startHarness('pglite', { rateLimitScale: 1 }); });
    after(async () => { await h?.cleanup(); });

    it('ignores X-Forwarded-For: made-up addresses share the real one\'s limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) statuses.push(await link(h, '127.0.0.1', `198.51.100.${i}`));
      assert.deepEqual(statuses.map((s) => s === 429), [...Array(LIMIT).fill(false), true, true, true]);
    });
  });

  describe('behind a trusted proxy (--trust-proxy 127.0.0.1)', () => {
    let h: Harness;
    before(async () => { h = await startHarness('pglite', { rateLimitScale: 1, trustProxy: '127.0.0.1' }); });
    after(async () => { await h?.cleanup(); });

    it('counts each forwarded client on its own, and writes it in the audit log', async () => {
      for (let i = 0; i < LIMIT; i++) assert.notEqual(await link(h, '127.0.0.1', '203.0.113.1'), 429);
      assert.equal(await link(h, '127.0.0.1', '203.0.113.1'), 429);
      // A client cannot pass for another by writing its own X-Forwarded-For: the proxy appends the real address.
      assert.equal(await link(h, '127.0.0.1', '203.0.113.2, 203.0.113.1'), 429);
      assert.notEqual(await link(h, '127.0.0.1', '203.0.113.2'), 429);
      const clients = await h.server.db.query<{ client: string }>("SELECT DISTINCT client FROM audit_log WHERE event = 'link'");
      assert.deepEqual(clients.map((r) => r.client).sort(), ['203.0.113.1', '203.0.113.2']);
    });

    it('ignores the header from anyone but the proxy', async () => {
      for (let i = 0; i < LIMIT; i++) assert.notEqual(await link(h, '127.0.0.9', `198.51.100.${i}`), 429);
      assert.equal(await link(h, '127.0.0.9', '198.51.100.200'), 429);
    });
  });
});
