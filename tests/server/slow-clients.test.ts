// Slow clients cannot hold the service's connections: a body sent a byte at a time and headers dribbled are cut at
// their deadline (408) while card logins go on; past the connection cap new connections are closed at once.
// The deadlines are shortened here (the defaults, connections.ts, are 5 s / 10 s) so the test runs in seconds.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startHarness } from './harness.ts';
import type { Harness } from './harness.ts';
import { cardSigner } from './tokens.ts';
import type { CardSigner } from './tokens.ts';

const LIMITS = { headersMs: 1_000, requestMs: 2_000, checkEveryMs: 100, maxConnections: 40 };

interface Slow { socket: net.Socket; closedAt: Promise<number>; answer: () => string }

describe('slow clients', () => {
  let h: Harness;
  let card: CardSigner;
  const login = async () => {
    const nonce = await h.challenge();
    return await h.post('/api/auth/card-login', { token: await card.token(h.server.origin, nonce), nonce });
  };
  /** A connection that sends `head` at once, then one byte of `drip` every `everyMs`, until the server closes it. */
  const slow = (head: string, drip: string, everyMs: number): Slow => {
    const { port } = new URL(h.server.url);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let received = '';
    socket.on('data', (d) => { received += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.write(head);
    let i = 0;
    const timer = setInterval(() => { if (!socket.destroyed) socket.write(drip[i++ % drip.length]!); }, everyMs);
    const opened = Date.now();
    const closedAt = new Promise<number>((ok) => socket.on('close', () => { clearInterval(timer); ok(Date.now() - opened); }));
    return { socket, closedAt, answer: () => received };
  };

  before(async () => {
    h = await startHarness('pglite', { connections: LIMITS });
    card = await cardSigner('cpe');
    const nonce = await h.challenge();
    const linked = await h.post('/api/cards/link', { token: await card.token(h.server.origin, nonce), nonce, username: 'demo.etab', password: 'Demo-CPx-2026!' });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
  });
  after(async () => { await h?.cleanup(); });

  it('gives the listening server its deadlines and its cap', () => {
    const server = h.server.app.server;
    assert.equal(server.requestTimeout, LIMITS.requestMs);
    assert.equal(server.headersTimeout, LIMITS.headersMs);
    assert.equal(server.maxConnections, LIMITS.maxConnections);
    assert.equal(server.keepAliveTimeout, 10_000);
  });

  it('cuts 25 bodies sent a byte every 300 ms at the request deadline, while card logins keep working', async () => {
    const head = 'POST /api/cards/link HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n';
    // 5,000 bytes at this pace would hold each connection 25 minutes.
    const clients = Array.from({ length: 25 }, () => slow(head, '{"token":"', 300));
    let cut = false;
    const all = Promise.all(clients.map((c) => c.closedAt)).then((t) => { cut = true; return t; });
    let logins = 0;
    const start = Date.now();
    while (!cut && Date.now() - start < 30_000) {
      const r = await login();
      assert.equal(r.status, 200, JSON.stringify(r.body));
      logins++;
    }
    if (!cut) for (const c of clients) c.socket.destroy();
    assert.ok(cut, 'slow bodies still held their connections after 30 s');
    const held = await all;
    assert.ok(logins >= 1);
    // Deadline + one check interval, and slack for a busy machine: far from the 25 minutes the body would take.
    for (const ms of held) assert.ok(ms < 2 * LIMITS.requestMs + 2_000, `a slow body held its connection ${ms} ms`);
    for (const c of clients) assert.match(c.answer(), /^HTTP\/1\.1 408/);
  });

  it('cuts headers dribbled a byte at a time at the header deadline', async () => {
    const clients = Array.from({ length: 5 }, () => slow('POST /api/auth/card-login HTTP/1.1\r\nhost: localhost\r\nx-slow: ', 'abcdefgh', 200));
    const giveUp = setTimeout(() => { for (const c of clients) c.socket.destroy(); }, 30_000);
    const held = await Promise.all(clients.map((c) => c.closedAt));
    clearTimeout(giveUp);
    for (const ms of held) {
      assert.ok(ms < 2 * LIMITS.headersMs + 2_000, `dribbled headers held their connection ${ms} ms`);
    }
    assert.equal((await login()).status, 200);
  });

  it('closes new connections at once past the cap, and serves again once the slow ones are cut', async () => {
    const server = h.server.app.server;
    const count = promisify(server.getConnections.bind(server));
    const head = 'POST /api/cards/link HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n';
    const holders: Slow[] = [];
    while (await count() < LIMITS.maxConnections) {
      holders.push(slow(head, ' ', 100));
      await new Promise((ok) => setTimeout(ok, 5));
    }
    let firstHolderCut = false;
    void Promise.race(holders.map((c) => c.closedAt)).then(() => { firstHolderCut = true; });
    const extra = Array.from({ length: 3 }, () => slow(head, ' ', 100));
    await Promise.all(extra.map((c) => c.closedAt));
    assert.equal(firstHolderCut, false, 'the extra connections were closed at once, before any held one');
    for (const c of extra) assert.equal(c.answer(), '', 'refused without an answer');
    await Promise.all(holders.map((c) => c.closedAt));
    assert.equal((await login()).status, 200);
  });
});
