// Challenge nonces: 32 random bytes in base64, single use, five minutes. Every token arrives with the nonce it
// answers, which is taken with a single DELETE … RETURNING, so two requests carrying the same nonce can never
// both get it. A nonce issued for a browser login transaction answers that transaction only, and a plain one
// never completes a transaction.
import { randomBytes } from 'node:crypto';
import { CpxError } from '../protocol/errors.ts';
import type { Challenge } from '../protocol/account.ts';
import { Batcher } from './batcher.ts';
import type { Db } from './db/index.ts';
import { KEEP_EXPIRED_MS, NONCE_TTL_MS } from './lifetimes.ts';

/** Whose nonce: a plain challenge (null) or the id hash of a login transaction. */
export type NonceScope = string | null;

interface Issue { client: string; scope: NonceScope }
interface Take { nonce: string; scope: NonceScope }
type Taken = { expires_at: Date } | undefined;

export class NonceStore {
  private readonly issuer: Batcher<Issue, Challenge>;
  private readonly taker: Batcher<Take, Taken>;

  constructor(private readonly db: Db, private readonly clock: () => Date) {
    this.issuer = new Batcher((items) => this.issueBatch(items));
    this.taker = new Batcher((items) => this.takeBatch(items));
  }

  /** Issues a nonce and records the challenge event in the audit log (concurrent challenges share one statement). */
  async issue(client: string, scope: NonceScope = null): Promise<Challenge> {
    return await this.issuer.call({ client, scope });
  }

  private async issueBatch(items: Issue[]): Promise<Challenge[]> {
    const random = randomBytes(32 * items.length);
    const nonces = items.map((_, i) => random.subarray(32 * i, 32 * (i + 1)).toString('base64'));
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + NONCE_TTL_MS);
    await this.db.query(
      `WITH n AS (INSERT INTO nonces (nonce, transaction_hash, client, issued_at, expires_at)
         SELECT u.nonce, u.scope, u.client, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(nonce, scope, client)
         RETURNING client)
       INSERT INTO audit_log (at, event, outcome, client) SELECT $4, 'challenge', 'ok', client FROM n`,
      [nonces, items.map((x) => x.scope), items.map((x) => x.client), now, expiresAt]);
    return nonces.map((nonce) => ({ nonce, expiresAt: expiresAt.toISOString() }));
  }

  /** One DELETE for a batch; a nonce asked twice in the batch goes to its first asker only. */
  private async takeBatch(items: Take[]): Promise<Taken[]> {
    const rows = await this.db.query<{ nonce: string; expires_at: Date }>(
      `DELETE FROM nonces n USING unnest($1::text[], $2::text[]) AS u(nonce, scope)
       WHERE n.nonce = u.nonce AND n.transaction_hash IS NOT DISTINCT FROM u.scope RETURNING n.nonce, n.expires_at`,
      [items.map((x) => x.nonce), items.map((x) => x.scope)]);
    const found = new Map(rows.map((r) => [r.nonce, r]));
    return items.map((x) => {
      const row = found.get(x.nonce);
      found.delete(x.nonce);
      return row;
    });
  }

  /** Takes the nonce out of the store; throws NONCE_UNKNOWN (never issued for this scope, or already used) or NONCE_EXPIRED. */
  async consume(nonce: string, scope: NonceScope = null): Promise<string> {
    const row = await this.taker.call({ nonce, scope });
    if (!row) throw new CpxError('NONCE_UNKNOWN');
    if (new Date(row.expires_at).getTime() <= this.clock().getTime()) throw new CpxError('NONCE_EXPIRED');
    return nonce;
  }

  async purgeExpired(): Promise<void> {
    await this.db.query('DELETE FROM nonces WHERE expires_at < $1', [new Date(this.clock().getTime() - KEEP_EXPIRED_MS)]);
  }
}
