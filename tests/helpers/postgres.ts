// Gives a test (or the server bench) a real PostgreSQL to talk to: CPX_TEST_DATABASE_URL when the
// environment provides one (CI's own server), otherwise a private throwaway PostgreSQL 15 started from the
// Debian binaries in a temp directory, on a free loopback port, torn down by stop(). Private servers use
// fsync off: the data is thrown away, and "a restart loses nothing committed" is tested with a clean
// shutdown + start (restart()), which flushes regardless of fsync.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Debian's PostgreSQL binaries: the newest installed major version (15 on Debian 12). */
function pgBinDir(): string {
  if (process.env.CPX_PG_BIN) return process.env.CPX_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => +b - +a) : [];
  if (!versions.length) throw new Error('PostgreSQL is not installed (apt-get install postgresql), or set CPX_TEST_DATABASE_URL');
  return join(root, versions[0]!, 'bin');
}

export interface TestPostgres {
  /** A database of its own for this caller (created fresh, dropped by stop()). */
  url: string;
  /** True when this helper started the server (so restart() is available). */
  private: boolean;
  /** Clean shutdown and start of the private server, same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (postgres refuses to run as root). */
function pgBin(name: string, args: string[]): string {
  const cmd = join(pgBinDir(), name);
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cpx_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
    },
  };
}

async function startPrivate(): Promise<{ adminUrl: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-pg-'));
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  pgBin('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const opts = [
    `-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=120', '-c shared_buffers=64MB',
  ].join(' ');
  const start = () => pgBin('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']);
  const stopServer = (mode: 'fast' | 'immediate') => pgBin('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  start();
  let running = true;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() { stopServer('fast'); start(); },
    async stop() {
      if (running) { running = false; try { stopServer('immediate'); } catch { /* already down */ } }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function testPostgres(): Promise<TestPostgres> {
  const external = process.env.CPX_TEST_DATABASE_URL;
  if (external) {
    const db = await createDatabase(external);
    return {
      url: db.url, private: false,
      async restart() { throw new Error('restart() needs a private server (CPX_TEST_DATABASE_URL is set)'); },
      async stop() { await db.drop(); },
    };
  }
  const server = await startPrivate();
  const db = await createDatabase(server.adminUrl);
  return { url: db.url, private: true, restart: server.restart, stop: server.stop };
}
