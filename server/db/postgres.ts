// PostgreSQL through a pg Pool. Every statement gets a stable name derived from its text, so pg prepares it
// once per connection and later calls skip parsing and planning (the login path runs the same few statements).
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, Executor, Row } from './types.ts';

const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) { name = 'cpx_' + createHash('sha1').update(sql).digest('hex').slice(0, 20); names.set(sql, name); }
  return name;
}

function executor(client: pg.Pool | pg.PoolClient): Executor {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const res = await client.query({ name: statementName(sql), text: sql, values: params as unknown[] });
      return res.rows as T[];
    },
    async exec(sql: string) { await client.query(sql); },
  };
}

export async function openPostgres(url: string, opts: { poolSize?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 16, idleTimeoutMillis: 30_000 });
  // A connection dropped by the server (restart, failover) surfaces on the next query; the pool replaces it.
  pool.on('error', () => {});
  const probe = await pool.connect();
  probe.release();
  const base = executor(pool);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // A connection that cannot even roll back is discarded rather than returned to the pool.
        await client.query('ROLLBACK').catch(() => { broken = true; });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close() { await pool.end(); },
  };
}
