// @fastify/rate-limit's store, backed by the service's database: per-address counts live where every service
// process sees them, so N processes on one PostgreSQL allow the limit, not N times it (the plugin's default store
// counts in each process's memory). Fixed windows, as the default store's: a window opens with an address's first
// request on a route and lasts the route's `timeWindow`.
//
// Counting is on every rate-limited request, the card-login path included: concurrent requests share one upsert
// (batcher.ts), keys sorted so that two processes' statements lock rows in the same order (no deadlock).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Batcher } from './batcher.ts';
import type { Db } from './db/index.ts';

interface Hit { key: string; windowMs: number }
interface Count { current: number; ttl: number }

export interface RateLimitCounter {
  /** The class @fastify/rate-limit instantiates (its `store` option). */
  Store: FastifyRateLimitStoreCtor;
  /** Forgets the windows that are over. */
  purge(): Promise<void>;
}

export function databaseRateLimits(db: Db, clock: () => Date = () => new Date()): RateLimitCounter {
  const hits = new Batcher<Hit, Count>((batch) => countBatch(db, clock(), batch));

  class Store implements FastifyRateLimitStore {
    // The plugin makes the root store with its global options, then one child per rate-limited route.
    constructor(_options?: unknown, private readonly route = '') {}

    incr(address: string, done: (err: Error | null, result?: Count) => void, timeWindow: number): void {
      hits.call({ key: `${this.route} ${address}`, windowMs: timeWindow }).then((c) => done(null, c), (err: Error) => done(err));
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // Typed as the route's options; at run time (v11) the plugin passes its merged settings, the route's as `routeInfo`.
      const r = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo ?? routeOptions;
      return new Store(undefined, `${[r.method ?? ''].flat().join(',')} ${r.url ?? ''}`);
    }
  }

  return {
    Store: Store as unknown as FastifyRateLimitStoreCtor,
    async purge() { await db.query('DELETE FROM rate_limits WHERE window_end <= $1', [clock()]); },
  };
}

/** One upsert for the whole batch; a key hit k times in it counts k, and each caller gets its own place in the count. */
async function countBatch(db: Db, now: Date, batch: Hit[]): Promise<Count[]> {
  const perKey = new Map<string, { n: number; windowMs: number }>();
  for (const h of batch) {
    const k = perKey.get(h.key);
    if (k) k.n++;
    else perKey.set(h.key, { n: 1, windowMs: h.windowMs });
  }
  const keys = [...perKey.keys()].sort();
  const rows = await db.query<{ key: string; hits: number; window_end: Date }>(
    `INSERT INTO rate_limits AS r (key, hits, window_end)
       SELECT u.key, u.n, $4::timestamptz + u.ms * interval '1 millisecond' FROM unnest($1::text[], $2::int[], $3::int[]) AS u(key, n, ms)
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN r.window_end <= $4 THEN excluded.hits ELSE r.hits + excluded.hits END,
       window_end = CASE WHEN r.window_end <= $4 THEN excluded.window_end ELSE r.window_end END
     RETURNING key, hits, window_end`,
    [keys, keys.map((k) => perKey.get(k)!.n), keys.map((k) => perKey.get(k)!.windowMs), now]);
  const after = new Map(rows.map((r) => [r.key, { hits: r.hits, ttl: Math.max(0, new Date(r.window_end).getTime() - now.getTime()) }]));
  const seen = new Map<string, number>();
  return batch.map((h) => {
    const a = after.get(h.key)!;
    const place = (seen.get(h.key) ?? 0) + 1;
    seen.set(h.key, place);
    return { current: a.hits - perKey.get(h.key)!.n + place, ttl: a.ttl };
  });
}
