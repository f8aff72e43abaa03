// PGlite: PostgreSQL compiled to WASM, running in this process on a data directory. One connection, so
// statements run one at a time and a transaction holds the database exclusively until it ends.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './dir-lock.ts';
import type { Db, Executor, Row } from './types.ts';

export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (err) {
    unlock();
    throw err;
  }
  const query = async <T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> =>
    (await db.query<T>(sql, params as unknown[])).rows;
  return {
    kind: 'pglite',
    query,
    async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
      return await db.transaction(async (tx) => fn({
        async query<R = Row>(sql: string, params: readonly unknown[] = []) { return (await tx.query<R>(sql, params as unknown[])).rows; },
        async exec(sql: string) { await tx.exec(sql); },
      }));
    },
    async exec(sql: string) { await db.exec(sql); },
    async close() {
      try { await db.close(); } finally { unlock(); }
    },
  };
}
