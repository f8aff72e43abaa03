// Starts the account service: database (PGlite or PostgreSQL) with migrations, optional demo seed, trust
// anchors and the token validator, HTTP(S) listener. Used by main.ts (`npm run server`), tests and the bench.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { checkOrigin, isLoopback } from '../protocol/origin.ts';
import { buildApp, DEFAULT_RATE_LIMITS } from './app.ts';
import type { RateLimits } from './app.ts';
import type { ConnectionLimits } from './connections.ts';
import type { LockoutPolicy } from './credentials.ts';
import { openDb } from './db/index.ts';
import type { Db } from './db/index.ts';
import { loadRegions } from './regions.ts';
import { databaseRateLimits } from './rate-limit-store.ts';
import { seedDemoAccounts } from './seed.ts';
import { AccountService } from './service.ts';
import { publishedTrust } from './trust-list.ts';
import { resolveTrust, trustWarning } from './trust.ts';
import type { Revocation, TrustSettings } from './trust.ts';
import type { TokenValidatorPort } from './validator-port.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.cache', 'server-data');

export interface ServerConfig {
  host?: string;
  port?: number;
  /** The origin tokens are signed for; default `<scheme>://127.0.0.1:<port>`. */
  origin?: string | null;
  dataDir?: string;
  databaseUrl?: string | null;
  poolSize?: number;
  seed?: boolean;
  tls?: { certFile: string; keyFile: string } | null;
  trust?: string[];
  crl?: string[];
  revocation?: Revocation;
  corsOrigin?: string | null;
  /** Multiplies every per-address rate limit (the bench raises them; 1 = defaults). */
  rateLimitScale?: number;
  rateLimits?: Partial<RateLimits>;
  lockout?: LockoutPolicy;
  regionsFile?: string;
  logRequests?: boolean;
  /** The service's name, as the app's PIN dialog and the pages show it (`--name`). */
  name?: string;
  /** Reverse proxies whose X-Forwarded-For names the client (addresses or CIDRs, comma-separated). */
  trustProxy?: string | null;
  /** Timeouts and the connection cap (connections.ts); tests shorten them. */
  connections?: Partial<ConnectionLimits>;
  /** Tests: a clock for nonce/session expiry and certificate validity, a validator of their own. */
  clock?: () => Date;
  validator?: TokenValidatorPort;
  /** Where warnings go (default stderr). */
  warn?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  origin: string;
  db: Db;
  service: AccountService;
  app: FastifyInstance;
  trust: TrustSettings | null;
  close(): Promise<void>;
}

const PURGE_EVERY_MS = 10 * 60_000;

async function makeValidator(trust: TrustSettings, cfg: ServerConfig): Promise<TokenValidatorPort> {
  const { TokenValidator } = await import('./validator/index.ts');
  return new TokenValidator({
    trustAnchors: trust.anchors,
    crls: { files: trust.crlFiles, fetch: trust.fetchCrls },
    revocation: cfg.revocation ?? 'hard',
    ...(cfg.clock ? { clock: cfg.clock } : {}),
  }) as TokenValidatorPort;
}

function scaled(cfg: ServerConfig): RateLimits {
  const scale = cfg.rateLimitScale ?? 1;
  const base = { ...DEFAULT_RATE_LIMITS, ...cfg.rateLimits };
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, Math.max(1, Math.round(v * scale))])) as unknown as RateLimits;
}

export async function startServer(cfg: ServerConfig = {}): Promise<RunningServer> {
  const warn = cfg.warn ?? ((line: string) => process.stderr.write(line + '\n'));
  const host = cfg.host ?? '127.0.0.1';
  const https = cfg.tls ? { cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) } : null;
  if (!https && !isLoopback(host.includes(':') ? `[${host}]` : host)) {
    throw new Error(`http sans TLS n'est servi qu'en local (loopback) : donnez --tls-cert et --tls-key pour écouter sur ${host}`);
  }
  if (cfg.origin) checkOrigin(cfg.origin);
  const regions = loadRegions(cfg.regionsFile);
  const trust = cfg.validator ? null : resolveTrust({ trust: cfg.trust, crl: cfg.crl });
  const validator = cfg.validator ?? await makeValidator(trust!, cfg);
  if (trust) { const w = trustWarning(trust); if (w) warn(w); }

  const db = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir ?? DEFAULT_DATA_DIR, poolSize: cfg.poolSize });
  let service: AccountService | null = null;
  let app: FastifyInstance | null = null;
  try {
    if (cfg.seed) await seedDemoAccounts(db, (cfg.clock ?? (() => new Date()))());
    // Several processes share a PostgreSQL, so their counts go in it. PGlite is one process by construction (its data
    // directory is locked): counting in memory is exact there and spares the in-process engine a statement per wave
    // of requests (~0.15 ms of CPU per card login, a fifth of the service's).
    const rateLimitCounts = db.kind === 'postgres' ? databaseRateLimits(db, cfg.clock) : null;
    app = await buildApp({
      service: () => service!, regions, trust: trust ? publishedTrust(trust) : null, dbKind: db.kind, https, corsOrigin: cfg.corsOrigin ?? null,
      rateLimits: scaled(cfg), logRequests: cfg.logRequests, connections: cfg.connections, rateLimitStore: rateLimitCounts?.Store,
      trustProxy: cfg.trustProxy ?? null,
      // Browsers see the origin tokens are signed for (a TLS proxy in front of a loopback http service included).
      secureCookies: cfg.origin ? checkOrigin(cfg.origin).startsWith('https:') : !!https,
    });
    await app.listen({ host, port: cfg.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.port ?? 0;
    const scheme = https ? 'https' : 'http';
    const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    const origin = checkOrigin(cfg.origin ?? `${scheme}://${shownHost}:${port}`);
    // Requests are served from the next I/O turn on: the service exists before the first one runs.
    service = new AccountService({ db, validator, origin, name: cfg.name, clock: cfg.clock, lockout: cfg.lockout });
    const purge = setInterval(() => { void service!.purgeExpired().then(() => rateLimitCounts?.purge()).catch(() => {}); }, PURGE_EVERY_MS);
    purge.unref();
    const running = app;
    return {
      url: `${scheme}://${shownHost}:${port}`, origin, db, service, app: running, trust,
      async close() {
        clearInterval(purge);
        await running.close();
        await db.close();
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}
