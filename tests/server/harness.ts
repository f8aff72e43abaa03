// A running account service for one test file: on PGlite (private data directory) or PostgreSQL (private
// throwaway server, or CPX_TEST_DATABASE_URL), seeded, trusting the test PKI, with a clock tests can move.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../server/start.ts';
import type { RunningServer, ServerConfig } from '../../server/start.ts';
import { TokenValidator } from '../../server/validator/index.ts';
import { testPostgres } from '../helpers/postgres.ts';
import type { TestPostgres } from '../helpers/postgres.ts';
import { testPki } from './tokens.ts';

export type DbKind = 'pglite' | 'postgres';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe JSON answers field by field
export type Json = any;
export interface Answer { status: number; body: Json; headers: Headers }

export interface Harness {
  kind: DbKind;
  server: RunningServer;
  /** Moves the service's clock (nonce and session expiry, certificate validity). */
  advance(ms: number): void;
  /** The service's clock, in ms. */
  now(): number;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  challenge(): Promise<string>;
  /** Stops the service (and, on a private PostgreSQL, restarts the database server) then starts it again on the same data. */
  restart(): Promise<void>;
  /** Restarts only the private PostgreSQL server under the running service. */
  restartDatabase(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startHarness(kind: DbKind, extra: Partial<ServerConfig> = {}): Promise<Harness> {
  const pki = await testPki();
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const validator = new TokenValidator({ trustAnchors: [readFileSync(pki.trustPemPath, 'utf8')], crls: { files: [pki.crlPath], fetch: false }, revocation: 'hard', clock });
  let dataDir: string | undefined;
  let pg: TestPostgres | undefined;
  if (kind === 'pglite') dataDir = mkdtempSync(join(tmpdir(), 'cpx-server-test-'));
  else pg = await testPostgres();
  const config: ServerConfig = {
    port: 0, dataDir, databaseUrl: pg?.url ?? null, seed: true, clock, validator, warn: () => {},
    rateLimitScale: 100, ...extra,
  };
  let server = await startServer(config);
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(server.url + path, {
      method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed as Json, headers: res.headers };
  };
  const h: Harness = {
    kind,
    get server() { return server; },
    advance(ms) { offset += ms; },
    now: () => clock().getTime(),
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path, headers) => request('GET', path, undefined, headers),
    async challenge() {
      const r = await request('POST', '/api/auth/challenge', {});
      if (r.status !== 200) throw new Error(`challenge: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.nonce as string;
    },
    async restart() {
      const port = new URL(server.url).port;
      await server.close();
      if (pg?.private) await pg.restart();
      server = await startServer({ ...config, port: Number(port) });
    },
    async restartDatabase() {
      if (!pg?.private) throw new Error('only a private PostgreSQL can be restarted');
      await pg.restart();
    },
    async cleanup() {
      await server.close().catch(() => {});
      if (pg) await pg.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
