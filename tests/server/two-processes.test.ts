// Two service processes on one PostgreSQL (as behind a load balancer): whatever one process knows, the other
// honours. A challenge issued by one is taken by the other exactly once, sessions open on either work on both, and
// the password lockout and the per-address rate limits count the requests of both together (not each its own).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RATE_LIMITS } from '../../server/app.ts';
import { testPostgres } from '../helpers/postgres.ts';
import type { TestPostgres } from '../helpers/postgres.ts';
import { startServiceProcess } from './service-process.ts';
import type { ServiceProcess } from './service-process.ts';
import { cardSigner, testPki } from './tokens.ts';
import type { CardSigner } from './tokens.ts';

const ORIGIN = 'http://localhost';
const PASSWORD = 'Demo-CPx-2026!';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers probed field by field
interface Answer { status: number; body: any }

/** One request from a chosen loopback address (each test its own, so their per-address counts stay apart). */
function request(url: string, method: string, body?: unknown, opts: { from?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, localAddress: opts.from ?? '127.0.0.1', agent: false,
      headers: { ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}), ...opts.headers },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => { let parsed: unknown = data; try { parsed = JSON.parse(data); } catch { /* text */ } resolve({ status: res.statusCode ?? 0, body: parsed }); });
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('two service processes on one PostgreSQL', () => {
  let pg: TestPostgres;
  let a: ServiceProcess, b: ServiceProcess;
  const cards: Record<string, CardSigner> = {};
  const both = () => [a, b];
  const challenge = async (s: ServiceProcess, from?: string) => {
    const r = await request(`${s.url}/api/auth/challenge`, 'POST', {}, { from });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.nonce as string;
  };
  const signed = async (profile: string, s: ServiceProcess, from?: string) => {
    const nonce = await challenge(s, from);
    return { token: await cards[profile]!.token(ORIGIN, nonce), nonce };
  };

  before(async () => {
    const pki = await testPki();
    pg = await testPostgres();
    const args = ['--port', '0', '--seed', '--origin', ORIGIN, '--database-url', pg.url, '--trust', pki.trustPemPath, '--crl', pki.crlPath];
    a = await startServiceProcess(args);
    b = await startServiceProcess(args);
    for (const p of ['cpe', 'cps-pharmacien']) cards[p] = await cardSigner(p);
    const linked = await request(`${b.url}/api/cards/link`, 'POST', { ...await signed('cpe', a), username: 'demo.etab', password: PASSWORD });
    assert.equal(linked.status, 200, `a challenge from one process, linked on the other: ${JSON.stringify(linked.body)}`);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.stop();
  });

  it('takes a challenge issued by one process exactly once, on either', async () => {
    const body = await signed('cpe', a);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => request(`${both()[i % 2]!.url}/api/auth/card-login`, 'POST', body)));
    assert.equal(answers.filter((r) => r.status === 200).length, 1);
    for (const r of answers.filter((x) => x.status !== 200)) assert.equal(r.body.error.code, 'NONCE_UNKNOWN');
    assert.equal((await request(`${a.url}/api/auth/card-login`, 'POST', body)).body.error.code, 'NONCE_UNKNOWN');
  });

  it('opens sessions on either process that work on both', async () => {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const login = await request(`${from.url}/api/auth/card-login`, 'POST', await signed('cpe', to));
      assert.equal(login.status, 200, JSON.stringify(login.body));
      for (const s of both()) {
        const me = await request(`${s.url}/api/me`, 'GET', undefined, { headers: { authorization: `Bearer ${login.body.session}` } });
        assert.equal(me.body.username, 'demo.etab');
      }
    }
  });

  it('locks a username after at most 5 of 12 wrong passwords sent at once to both, then refuses the right one on both', async () => {
    const bodies = await Promise.all(Array.from({ length: 12 }, async (_, i) => ({ ...await signed('cps-pharmacien', both()[i % 2]!), username: 'demo.pharma', password: `wrong-${i}` })));
    const answers = await Promise.all(bodies.map((body, i) => request(`${both()[i % 2]!.url}/api/cards/link`, 'POST', body)));
    const codes = answers.map((r) => r.body.error?.code);
    const checked = codes.filter((c) => c === 'CREDENTIALS_INVALID').length;
    assert.ok(checked >= 1 && checked <= 5, `${checked} of 12 checked: ${codes.join(' ')}`);
    assert.equal(codes.filter((c) => c === 'RATE_LIMITED').length, 12 - checked);
    for (const s of both()) {
      const right = await request(`${s.url}/api/cards/link`, 'POST', { ...await signed('cps-pharmacien', s), username: 'demo.pharma', password: PASSWORD });
      assert.equal(right.body.error?.code, 'RATE_LIMITED', JSON.stringify(right.body));
    }
  });

  it('counts one address\'s requests on both processes against one per-address limit', async () => {
    const from = '127.0.0.5';
    const limit = DEFAULT_RATE_LIMITS.link;
    const body = { token: 'not a token', username: 'x', password: 'y' };
    const answers: Answer[] = [];
    for (let i = 0; i < limit + 10; i++) answers.push(await request(`${both()[i % 2]!.url}/api/cards/link`, 'POST', body, { from }));
    const limited = answers.map((r) => r.status === 429);
    assert.deepEqual(limited.slice(0, limit), Array(limit).fill(false), 'within the limit');
    assert.deepEqual(limited.slice(limit), Array(10).fill(true), `past ${limit} requests from one address, on either process`);
    assert.equal(answers.at(-1)!.body.error.code, 'RATE_LIMITED');
    // Another address still has its own allowance.
    assert.notEqual((await request(`${a.url}/api/cards/link`, 'POST', body, { from: '127.0.0.6' })).status, 429);
  });
});
