// Card logins per second and latency at 64 concurrent clients against the account service. The service runs as
// its own process (`server/main.ts`, as `npm run server` starts it); this process pre-links a card, pre-issues
// challenges over HTTP, pre-signs the tokens in-process with the test card's key, then fires
// POST /api/auth/card-login over loopback with 64 keep-alive clients.
//   npm run --silent bench -- server [--db postgres|pglite] [--count N] [--concurrency N]   one line per database,
//       and for PostgreSQL a line with "mode":"two-processes" (two service processes on one PostgreSQL, the clients
//       spread over both, measured in slices alternating with one process alone) before the headline; the last
//       line (one process, PostgreSQL when it runs) is the headline.
//   npm run --silent bench -- server --flood [--db …] [--count N]   legitimate logins/s alone, then while three
//       attacker addresses (127.0.0.2/3/4) send tokens made to be costly (a ~3070-bit RSA exponent, PS256, with and
//       without a nonce) at the default per-address rate limits of every endpoint; one line, "mode":"flood".
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RATE_LIMITS } from '../server/app.ts';
import { FIELDS } from '../server/schemas.ts';
import { testPostgres } from '../tests/helpers/postgres.ts';
import { attacker } from '../tests/server/attacker.ts';
import { startServiceProcess, type ServiceProcess } from '../tests/server/service-process.ts';
import { cardSigner, testPki } from '../tests/server/tokens.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const CONCURRENCY = Number(option('--concurrency') ?? 64);
const WARMUP = 1000;
/** Every service process of a run serves this origin (as behind one reverse proxy), so any of them takes any token. */
const ORIGIN = 'http://localhost';

type Db = 'postgres' | 'pglite';

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, body: string, via: http.Agent = agent): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = http.request(url, { method: 'POST', agent: via, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
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

  static request(path: string, body: string): Buffer {
    return Buffer.from(`POST ${path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
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

type Service = ServiceProcess;

/** CPX_BENCH_SERVER_NODE_ARGS: extra node flags for the service processes (e.g. --cpu-prof when profiling). */
const startService = (args: string[]) => startServiceProcess(args, (process.env.CPX_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean));

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

/** The services of one run: `processes` of them on one database (several only on PostgreSQL, as in production). */
async function startRun(db: Db, processes: number, extra: string[] = []): Promise<{ services: Service[]; stop(): Promise<void> }> {
  const pki = await testPki();
  const dataDir = mkdtempSync(join(tmpdir(), 'cpx-bench-server-'));
  const pg = db === 'postgres' ? await testPostgres() : null;
  const args = ['--port', '0', '--seed', '--origin', ORIGIN, '--trust', pki.trustPemPath, '--crl', pki.crlPath, ...extra,
    ...(pg ? ['--database-url', pg.url] : ['--data-dir', dataDir])];
  const services: Service[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // One after the other: the first applies the migrations and the seed.
    for (let i = 0; i < processes; i++) services.push(await startService(args));
  } catch (err) {
    await stop();
    throw err;
  }
  return { services, stop };
}

/** Links the test card, then `total` card-login requests, each answering a challenge issued by one of the services. */
async function prepareLogins(services: Service[], total: number): Promise<Buffer[]> {
  const card = await cardSigner('cpe');
  let turn = 0;
  const challenge = async () => JSON.parse((await post(`${services[turn++ % services.length]!.url}/api/auth/challenge`, '{}')).text).nonce as string;
  const nonce = await challenge();
  const link = await post(`${services[0]!.url}/api/cards/link`, JSON.stringify({
    token: await card.token(ORIGIN, nonce), nonce, username: 'demo.etab', password: 'Demo-CPx-2026!' }));
  if (link.status !== 200) throw new Error(`pre-link failed: ${link.text}`);
  const nonces = await pool(Array.from({ length: total }, (_, i) => i), CONCURRENCY, () => challenge());
  return await pool(nonces, 8, async (n) => RawClient.request('/api/auth/card-login', JSON.stringify({ token: await card.token(ORIGIN, n), nonce: n })));
}

interface Phase { done: number; errors: number; seconds: number; latencies: number[] }

/** Sends the requests over 64 keep-alive clients spread evenly over the services; stops early after `maxMs`. */
async function fire(services: Service[], requests: Buffer[], maxMs = Infinity): Promise<Phase> {
  const clients = Array.from({ length: CONCURRENCY }, (_, i) => {
    const { hostname, port } = new URL(services[i % services.length]!.url);
    return new RawClient(hostname, Number(port));
  });
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(clients.map(async (c) => {
    while (next < requests.length && performance.now() - start < maxMs) {
      const req = requests[next++]!;
      const t0 = performance.now();
      if ((await c.send(req)) !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, errors, seconds, latencies };
}

/**
 * Logins/s and latency of `count` logins per side after a warm-up, for each side (a set of the run's processes the
 * 64 clients spread over), in alternating slices: the machine is shared and its load drifts, alternating spreads
 * the drift over every side alike. Where the CPU went goes to stderr.
 */
async function measure(db: Db, run: Service[], sides: Record<string, Service[]>, count: number): Promise<Record<string, Record<string, unknown>>> {
  const ROUNDS = 4;
  const names = Object.keys(sides);
  const slice = Math.ceil(count / ROUNDS);
  const requests = await prepareLogins(run, WARMUP + names.length * ROUNDS * slice);
  await fire(run, requests.slice(0, WARMUP));
  const cpu = (services: Service[]) => {
    const pids = new Set(services.map((s) => s.child.pid));
    const b = process.cpuUsage();
    return { service: cpuSeconds((_, pid) => pids.has(pid)), db: cpuSeconds((c) => c.startsWith('postgres: ')), bench: (b.user + b.system) / 1e6 };
  };
  const done = Object.fromEntries(names.map((n) => [n, { phases: [] as Phase[], service: 0, db: 0, bench: 0 }]));
  let next = WARMUP;
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) {
      const c0 = cpu(run);
      const phase = await fire(sides[name]!, requests.slice(next, next += slice));
      const c1 = cpu(run);
      const d = done[name]!;
      d.phases.push(phase);
      d.service += c1.service - c0.service; d.db += c1.db - c0.db; d.bench += c1.bench - c0.bench;
    }
  }
  return Object.fromEntries(names.map((name) => {
    const d = done[name]!;
    const n = d.phases.reduce((x, p) => x + p.done, 0);
    const seconds = d.phases.reduce((x, p) => x + p.seconds, 0);
    const latencies = d.phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
    const perLogin = (sec: number) => round((sec * 1000) / n, 3);
    // Where the CPU went per login (the machine's 2 cores run all three) and the latency tail: on stderr, not in the headline.
    console.error(JSON.stringify({ db, mode: name, cpuMsPerLogin: { service: perLogin(d.service), database: perLogin(d.db), client: perLogin(d.bench) },
      latencyMs: Object.fromEntries([['p90', 0.9], ['p95', 0.95], ['p999', 0.999], ['max', 1]].map(([k, p]) => [k, round(percentile(latencies, p as number))])) }));
    return [name, {
      bench: 'server', ...(name === 'one-process' ? {} : { mode: name, processes: sides[name]!.length }), db, loginsPerSec: Math.round(n / seconds),
      p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)), concurrency: CONCURRENCY, count: n,
      errors: d.phases.reduce((x, p) => x + p.errors, 0),
    }];
  }));
}

/**
 * PGlite: one process. PostgreSQL: two processes on it, measured in alternating slices with all 64 clients on the
 * first alone ("one-process", the headline) and spread over both ("two-processes"); the idle second process costs
 * nothing meanwhile, and both sides see the same database and the same load from the rest of the machine.
 */
async function benchDb(db: Db, count: number): Promise<Record<string, Record<string, unknown>>> {
  const run = await startRun(db, db === 'postgres' ? 2 : 1, ['--rate-limit-scale', '100000']);
  try {
    const [first] = run.services as [Service];
    return await measure(db, run.services, db === 'postgres' ? { 'one-process': [first], 'two-processes': run.services } : { 'one-process': [first] }, count);
  } finally {
    await run.stop();
  }
}

/**
 * Three attacker addresses, each sending at its default per-address rate limit on every endpoint (one request per
 * 60 s / limit): challenges (which it keeps, so a nonce-less token has up to 32 of its own to be tried against), and
 * card logins, links and independent-doctor requests carrying a costly token, one with a nonce, the next without.
 */
interface Flood { pause(): Promise<void>; resume(): void; stop(): { sent: number; answers: Record<string, number> } }

async function startFlood(url: string, addresses: string[]): Promise<Flood> {
  const a = await attacker({ certificates: 16 });
  const tokens = a.certificates.map((_, i) => a.token(i, ORIGIN));
  const answers: Record<string, number> = {};
  let sent = 0;
  let inFlight = 0;
  const agents: http.Agent[] = [];
  const schedules: [number, () => void][] = [];
  const profile = FIELDS.profile.examples[0];
  for (const localAddress of addresses) {
    const via = new http.Agent({ keepAlive: true, localAddress } as http.AgentOptions);
    agents.push(via);
    const nonces: string[] = [];
    let n = 0;
    const send = (path: string, body: unknown) => {
      sent++;
      inFlight++;
      post(`${url}${path}`, JSON.stringify(body), via).then((r) => {
        const code = path === '/api/auth/challenge' ? `challenge ${r.status}` : (JSON.parse(r.text).error?.code ?? String(r.status));
        if (path === '/api/auth/challenge' && r.status === 200) nonces.push(JSON.parse(r.text).nonce);
        answers[code] = (answers[code] ?? 0) + 1;
      }, () => { answers.failed = (answers.failed ?? 0) + 1; }).finally(() => { inFlight--; });
    };
    const attack = (path: string, extra: Record<string, unknown>) => () => {
      const token = tokens[n++ % tokens.length];
      const nonce = n % 2 ? nonces.shift() : undefined;
      send(path, { token, ...(nonce ? { nonce } : {}), ...extra });
    };
    for (let i = 0; i < 32; i++) send('/api/auth/challenge', {});
    schedules.push([DEFAULT_RATE_LIMITS.challenge - 32, () => send('/api/auth/challenge', {})],
      [DEFAULT_RATE_LIMITS.cardLogin, attack('/api/auth/card-login', {})],
      [DEFAULT_RATE_LIMITS.link, attack('/api/cards/link', { username: 'demo.etab2', password: 'guess' })],
      [DEFAULT_RATE_LIMITS.independentDoctor, attack('/api/accounts/independent-doctor', { profile })]);
  }
  let timers: NodeJS.Timeout[] = [];
  const resume = () => { timers = schedules.map(([perMinute, fn]) => setInterval(fn, 60_000 / perMinute)); };
  const halt = () => { for (const t of timers) clearInterval(t); timers = []; };
  resume();
  return {
    resume,
    /** Stops sending and waits (30 s at most) for the service to answer what was sent: no backlog left behind. */
    async pause() {
      halt();
      for (let waited = 0; inFlight > 0 && waited < 30_000; waited += 50) await new Promise((ok) => setTimeout(ok, 50));
    },
    stop() {
      halt();
      for (const via of agents) via.destroy();
      return { sent, answers };
    },
  };
}

/**
 * Legitimate logins alone and under the flood, in alternating slices: the machine is shared and load from elsewhere
 * drifts, alternating spreads it over both sides alike (figures are totals over all slices of a side). Between
 * slices the flood pauses until the service has answered all of it, so no backlog runs into an "alone" slice.
 */
async function benchFlood(db: Db, count: number): Promise<Record<string, unknown>> {
  const ROUNDS = 4;
  const run = await startRun(db, 1, ['--rate-limit-scale', '100000']);
  const [service] = run.services as [Service];
  const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  try {
    const slice = Math.ceil(count / ROUNDS);
    const requests = await prepareLogins(run.services, WARMUP + 2 * ROUNDS * slice);
    await fire(run.services, requests.slice(0, WARMUP));
    const flood = await startFlood(service.url, addresses);
    // The attacker's first 32 challenges are in: from now on a nonce-less token has them to be tried against.
    await new Promise((ok) => setTimeout(ok, 2_000));
    await flood.pause();
    const alone: Phase[] = [];
    const attacked: Phase[] = [];
    let next = WARMUP;
    for (let r = 0; r < ROUNDS; r++) {
      alone.push(await fire(run.services, requests.slice(next, next += slice)));
      flood.resume();
      // Capped: before the fix, legitimate logins crawled under the flood.
      attacked.push(await fire(run.services, requests.slice(next, next += slice), 20_000));
      await flood.pause();
    }
    const { sent, answers } = flood.stop();
    const seconds = (ps: Phase[]) => ps.reduce((s, p) => s + p.seconds, 0);
    const rate = (ps: Phase[]) => ps.reduce((n, p) => n + p.done, 0) / seconds(ps);
    const latencies = attacked.flatMap((p) => p.latencies).sort((x, y) => x - y);
    return {
      bench: 'server', mode: 'flood', db, loginsPerSec: Math.round(rate(attacked)), aloneLoginsPerSec: Math.round(rate(alone)),
      ratio: round(rate(attacked) / rate(alone)), roundRatios: attacked.map((p, i) => round(rate([p]) / rate([alone[i]!]))),
      p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)), concurrency: CONCURRENCY, count: latencies.length,
      errors: attacked.reduce((n, p) => n + p.errors, 0), attackAddresses: addresses, attackPerSec: round(sent / (seconds(attacked) + 2), 1), attackAnswers: answers,
    };
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  const only = option('--db');
  if (only && only !== 'postgres' && only !== 'pglite') throw new Error('--db postgres|pglite');
  if (process.argv.includes('--flood')) {
    console.log(JSON.stringify(await benchFlood((only as Db | undefined) ?? 'postgres', Number(option('--count') ?? 4000))));
  } else {
    const count = Number(option('--count') ?? 8000);
    const dbs: Db[] = only ? [only as Db] : ['pglite', 'postgres'];
    for (const db of dbs) {
      const { 'one-process': one, 'two-processes': two } = await benchDb(db, count);
      if (two) console.log(JSON.stringify({ ...two, ratioToOneProcess: round((two.loginsPerSec as number) / (one!.loginsPerSec as number)) }));
      console.log(JSON.stringify(one));
    }
  }
  agent.destroy();
}

main().catch((err) => { console.error(err); process.exit(1); });
