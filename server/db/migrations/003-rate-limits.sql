-- Per-address request counts of the rate limits (server/rate-limit-store.ts), kept in the database so that every
-- service process on it counts against the same limit. One row per route and client address, fixed windows.
-- UNLOGGED: counts are worth nothing after a crash (the table comes back empty: limits start afresh) and skip the
-- write-ahead log, which every rate-limited request would otherwise write to.
CREATE UNLOGGED TABLE rate_limits (
  key         text PRIMARY KEY,
  hits        integer NOT NULL,
  window_end  timestamptz NOT NULL
);
CREATE INDEX rate_limits_window_end ON rate_limits (window_end);
