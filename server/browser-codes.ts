// One-time codes a default browser redeems for a browser session, about a minute, single use, stored hashed:
//  - 'transaction': the app completed a browser login transaction; only the browser holding that transaction's
//    cookie may redeem it (a relayed link logs nobody in), and a wrong browser burns it;
//  - 'handoff': the app opens the browser logged in as its own card session's account.
import { CpxError } from '../protocol/errors.ts';
import type { Db, Queryable } from './db/index.ts';
import { BROWSER_CODE_TTL_MS, KEEP_EXPIRED_MS } from './lifetimes.ts';
import { newSecret, secretHash } from './secrets.ts';

export type BrowserCodeKind = 'transaction' | 'handoff';

export interface BrowserCodeGrant { accountId: number; browserHash: string | null; sessionHash: string | null }

export class BrowserCodes {
  constructor(private readonly db: Db, private readonly clock: () => Date) {}

  async issue(q: Queryable, kind: BrowserCodeKind, grant: BrowserCodeGrant): Promise<{ code: string; expiresAt: Date }> {
    const code = newSecret();
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + BROWSER_CODE_TTL_MS);
    await q.query(
      `INSERT INTO browser_codes (code_hash, kind, account_id, browser_hash, session_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [code.hash, kind, grant.accountId, grant.browserHash, grant.sessionHash, now, expiresAt]);
    return { code: code.value, expiresAt };
  }

  /** Burns the code whatever happens next; TRANSACTION_UNKNOWN (unknown or already used) or TRANSACTION_EXPIRED. */
  async redeem(kind: BrowserCodeKind, code: string): Promise<BrowserCodeGrant> {
    const [row] = await this.db.query<{ account_id: number; browser_hash: string | null; session_hash: string | null; expires_at: Date }>(
      'DELETE FROM browser_codes WHERE code_hash = $1 AND kind = $2 RETURNING account_id, browser_hash, session_hash, expires_at',
      [secretHash(code), kind]);
    if (!row) throw new CpxError('TRANSACTION_UNKNOWN');
    if (new Date(row.expires_at).getTime() <= this.clock().getTime()) throw new CpxError('TRANSACTION_EXPIRED');
    return { accountId: row.account_id, browserHash: row.browser_hash, sessionHash: row.session_hash };
  }

  async purgeExpired(): Promise<void> {
    await this.db.query('DELETE FROM browser_codes WHERE expires_at < $1', [new Date(this.clock().getTime() - KEEP_EXPIRED_MS)]);
  }
}
