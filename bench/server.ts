// Card logins per second and latency at 64 concurrent clients against the account service, on PostgreSQL
// and on PGlite. The service runs as its own process (`server/main.ts`, as `npm run server` starts it); this
// process pre-links a card, pre-issues challenges over HTTP, pre-signs the tokens in-process with the test
// card's key, then fires POST /api/auth/card-login over loopback with 64 keep-alive clients.
//   npm run --silent bench -- server [--db postgres|pglite] [--count N]
// One JSON line per database; the last (PostgreSQL when both run) is the headline.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPostgres } from '../tests/helpers/postgres.ts';
import { cardSigner, testPki } from '../tests/server/tokens.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONCURRENCY = 64;
const WARMUP = 1000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One keep-alive HTTP/1.1 connection doing one request at a time, with as little client work as possible
 * (prebuilt request bytes, minimal response parsing): the 2-core machine runs the service, PostgreSQL and this
 * load generator together, and what the client spends is taken from the other two.
 */
class RawClient {
  private socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: ((status: number) => void) | null = null;
  private failed: Error | null = null;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => { this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk; this.parse(); });
    this.socket.on('error', (err) => { this.failed = err; });
  }

  static request(path: string, host: string, body: string): Buffer {
    return Buffer.from(`POST ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  send(request: Buffer): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolveSend) => { this.pending = resolveSend; this.socket.write(request); });
  }

  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    this.buffer = this.buffer.subarray(end + 4 + length);
    const done = this.pending;
    this.pending = null;
    done?.(Number(head.slice(9, 12)));
  }

  close(): void { this.socket.destroy(); }
}

async function startService(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  // CPX_BENCH_SERVER_NODE_ARGS: extra node flags for the service process (e.g. --cpu-prof when profiling).
  const nodeArgs = (process.env.CPX_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO, 'server', 'main.ts'), ...args], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CPX_TEST_TRUST: '', CPX_TEST_CRL: '' },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`service did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]!); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`service exited (${code}): ${err}`)); });
  });
  return { url, child };
}

/** Runs fn over items with `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); }
  }));
  return out;
}

/** CPU seconds used so far by the processes whose command line matches (Linux /proc; 0 elsewhere). */
function cpuSeconds(match: (cmdline: string, pid: number) => boolean): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (!match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '), Number(pid))) continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch { /* gone */ }
    }
  } catch { return 0; }
  return ticks / 100;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function benchOne(db: 'postgres' | 'pglite', count: number): Promise<Record<string, unknown>> {
  const pki = await testPki();
  const card = await cardSigner('cpe');
  const dataDir = mkdtempSync(join(tmpdir(), 'cpx-bench-server-'));
  const pg = db === 'postgres' ? await testPostgres() : null;
  const args = ['--port', '0', '--seed', '--trust', pki.trustPemPath, '--crl', pki.crlPath, '--rate-limit-scale', '100000',
    ...(pg ? ['--database-url', pg.url] : ['--data-dir', dataDir])];
  const { url, child } = await startService(args);
  try {
    const challenge = async () => JSON.parse((await post(`${url}/api/auth/challenge`, '{}')).text).nonce as string;
    const linkNonce = await challenge();
    const link = await post(`${url}/api/cards/link`, JSON.stringify({
      token: await card.token(url, linkNonce), nonce: linkNonce, username: 'demo.etab', password: 'Demo-CPx-2026!' }));
    if (link.status !== 200) throw new Error(`pre-link failed: ${link.text}`);

    const total = WARMUP + count;
    const nonces = await pool(Array.from({ length: total }, (_, i) => i), CONCURRENCY, () => challenge());
    const { hostname, port, host } = new URL(url);
    const requests = await pool(nonces, 8, async (n) =>
      RawClient.request('/api/auth/card-login', host, JSON.stringify({ token: await card.token(url, n), nonce: n })));

    const clients = Array.from({ length: CONCURRENCY }, () => new RawClient(hostname, Number(port)));
    let errors = 0;
    let next = 0;
    const latencies: number[] = [];
    const fire = (list: Buffer[], record: boolean) => {
      next = 0;
      return Promise.all(clients.map(async (c) => {
        while (next < list.length) {
          const req = list[next++]!;
          const t0 = performance.now();
          if ((await c.send(req)) !== 200) errors++;
          if (record) latencies.push(performance.now() - t0);
        }
      }));
    };
    await fire(requests.slice(0, WARMUP), false);
    errors = 0;
    const cpu = () => ({ service: cpuSeconds((_, pid) => pid === child.pid), db: cpuSeconds((c) => c.startsWith('postgres: ')), bench: process.cpuUsage() });
    const cpu0 = cpu();
    const start = performance.now();
    await fire(requests.slice(WARMUP), true);
    const seconds = (performance.now() - start) / 1000;
    for (const c of clients) c.close();
    const cpu1 = cpu();
    const perLogin = (s: number) => round((s * 1000) / count, 3);
    const benchCpu = (cpu1.bench.user + cpu1.bench.system - cpu0.bench.user - cpu0.bench.system) / 1e6;
    latencies.sort((a, b) => a - b);
    // Where the CPU went per login (the machine's 2 cores run all three) and the latency tail: on stderr, not in the headline.
    console.error(JSON.stringify({ db, cpuMsPerLogin: { service: perLogin(cpu1.service - cpu0.service), database: perLogin(cpu1.db - cpu0.db), client: perLogin(benchCpu) },
      latencyMs: Object.fromEntries([['p90', 0.9], ['p95', 0.95], ['p999', 0.999], ['max', 1]].map(([k, p]) => [k, round(percentile(latencies, p as number))])) }));
    return {
      bench: 'server', db, loginsPerSec: Math.round(count / seconds), p50Ms: round(percentile(latencies, 0.5)),
      p99Ms: round(percentile(latencies, 0.99)), concurrency: CONCURRENCY, count, errors,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => { child.once('exit', ok); setTimeout(ok, 5_000).unref(); });
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = option('--db');
  if (only && only !== 'postgres' && only !== 'pglite') throw new Error('--db postgres|pglite');
  const count = Number(option('--count') ?? 8000);
  const dbs = only ? [only as 'postgres' | 'pglite'] : ['pglite', 'postgres'] as const;
  for (const db of dbs) console.log(JSON.stringify(await benchOne(db, count)));
  agent.destroy();
}

main().catch((err) => { console.error(err); process.exit(1); });
