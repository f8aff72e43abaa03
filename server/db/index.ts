// Opens the service's database: PostgreSQL when a URL is given, PGlite on a data directory otherwise,
// then brings the schema up to date.
import { migrate } from './migrate.ts';
import type { Db } from './types.ts';

export type { Db, Executor, Queryable, Row } from './types.ts';

export interface DbOptions {
  databaseUrl?: string | null;
  dataDir: string;
  poolSize?: number;
}

export async function openDb(opts: DbOptions): Promise<Db> {
  const db = opts.databaseUrl
    ? await (await import('./postgres.ts')).openPostgres(opts.databaseUrl, { poolSize: opts.poolSize })
    : await (await import('./pglite.ts')).openPglite(opts.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
