// Browser login transactions: the service's page starts one (the card button), the app answers its challenge with
// the card, and only the browser that started it can collect the result. The id travels in the `cpxlink:` link
// (so it is no secret from whoever sees the link); the browser proves itself with the random secret of its
// HttpOnly cookie, whose hash the row stores. Both hashed at rest; five minutes; completed once.
import { CpxError } from '../protocol/errors.ts';
import type { Db, Queryable } from './db/index.ts';
import { KEEP_EXPIRED_MS, TRANSACTION_TTL_MS } from './lifetimes.ts';
import { newSecret, secretHash } from './secrets.ts';

export interface OpenTransaction { idHash: string; browserHash: string }

export class LoginTransactions {
  constructor(private readonly db: Db, private readonly clock: () => Date) {}

  async create(browserHash: string): Promise<{ id: string; expiresAt: Date }> {
    const id = newSecret();
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + TRANSACTION_TTL_MS);
    await this.db.query('INSERT INTO login_transactions (id_hash, browser_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [id.hash, browserHash, now, expiresAt]);
    return { id: id.value, expiresAt };
  }

  /** The transaction, still open; TRANSACTION_UNKNOWN (never started, or already completed) or TRANSACTION_EXPIRED. */
  async open(id: string): Promise<OpenTransaction> {
    const idHash = secretHash(id);
    const [row] = await this.db.query<{ browser_hash: string; expires_at: Date; completed_at: Date | null }>(
      'SELECT browser_hash, expires_at, completed_at FROM login_transactions WHERE id_hash = $1', [idHash]);
    if (!row || row.completed_at) throw new CpxError('TRANSACTION_UNKNOWN');
    if (new Date(row.expires_at).getTime() <= this.clock().getTime()) throw new CpxError('TRANSACTION_EXPIRED');
    return { idHash, browserHash: row.browser_hash };
  }

  /** Marks it completed inside the database transaction that completes it: of two concurrent completions, one wins. */
  async complete(q: Queryable, idHash: string): Promise<void> {
    const rows = await q.query('UPDATE login_transactions SET completed_at = $2 WHERE id_hash = $1 AND completed_at IS NULL AND expires_at > $2 RETURNING 1',
      [idHash, this.clock()]);
    if (!rows.length) throw new CpxError('TRANSACTION_UNKNOWN');
  }

  async purgeExpired(): Promise<void> {
    await this.db.query('DELETE FROM login_transactions WHERE expires_at < $1', [new Date(this.clock().getTime() - KEEP_EXPIRED_MS)]);
  }
}
