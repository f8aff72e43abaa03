// The one database interface the service codes against; PGlite (embedded) and PostgreSQL (pg Pool) implement it.
// Values crossing it stay portable between the two drivers: text, integer, boolean, timestamptz (Date), json.

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement ($1, $2…) and returns its rows. On PostgreSQL the statement is prepared once per connection. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Executor extends Queryable {
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Executor {
  readonly kind: 'pglite' | 'postgres';
  /** BEGIN … COMMIT around fn; ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
