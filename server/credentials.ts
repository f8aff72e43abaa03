// Username + password of an existing account (only ever used to link a card). One generic answer for an
// unknown user, a wrong password or a card-only account; a lockout after repeated failures per username
// as typed, kept whether or not the account exists so the lockout itself reveals nothing.
import { CpxError } from '../protocol/errors.ts';
import { audit } from './audit.ts';
import type { Db } from './db/index.ts';
import { verifyPassword } from './passwords.ts';

export interface LockoutPolicy {
  /** Failed passwords in a row (within `windowMs`) that lock the username. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export interface CredentialAccount { id: number; active: boolean }

export class Credentials {
  constructor(private readonly db: Db, private readonly clock: () => Date, private readonly policy: LockoutPolicy) {}

  /** The account, or CREDENTIALS_INVALID / RATE_LIMITED / ACCOUNT_INACTIVE (the latter only with the right password). */
  async check(username: string, password: string, client: string): Promise<CredentialAccount> {
    const key = username.trim().toLowerCase();
    const now = this.clock();
    const [locked] = await this.db.query<{ locked_until: Date }>(
      'SELECT locked_until FROM credential_failures WHERE username_key = $1 AND locked_until > $2', [key, now]);
    if (locked) throw this.rateLimited(locked.locked_until, now);

    const [account] = await this.db.query<{ id: number; active: boolean; password_hash: string | null }>(
      'SELECT id, active, password_hash FROM accounts WHERE lower(username) = $1', [key]);
    if (!(await verifyPassword(account?.password_hash ?? null, password)) || !account) {
      if (await this.recordFailure(key)) {
        await audit(this.db, this.clock(), { event: 'lockout', outcome: 'RATE_LIMITED', accountId: account?.id ?? null, client });
      }
      throw new CpxError('CREDENTIALS_INVALID');
    }
    await this.db.query('DELETE FROM credential_failures WHERE username_key = $1', [key]);
    if (!account.active) throw new CpxError('ACCOUNT_INACTIVE');
    return { id: account.id, active: account.active };
  }

  /** Forgets counts that can no longer lock anything (quiet for a whole window, lock over). */
  async purge(): Promise<void> {
    const now = this.clock();
    await this.db.query('DELETE FROM credential_failures WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)',
      [new Date(now.getTime() - this.policy.windowMs), now]);
  }

  /** Counts one failure; true when it locks the username. */
  private async recordFailure(key: string): Promise<boolean> {
    const now = this.clock();
    // A failure after a quiet window or after a lock ran out starts a new count.
    const [row] = await this.db.query<{ locked_until: Date | null }>(
      `INSERT INTO credential_failures AS f (username_key, failures, locked_until, updated_at)
       VALUES ($1, 1, CASE WHEN $4 <= 1 THEN $5::timestamptz END, $2)
       ON CONFLICT (username_key) DO UPDATE SET
         failures = CASE WHEN f.updated_at < $3 OR f.locked_until IS NOT NULL THEN 1 ELSE f.failures + 1 END,
         locked_until = CASE WHEN f.updated_at >= $3 AND f.locked_until IS NULL AND f.failures + 1 >= $4 THEN $5::timestamptz END,
         updated_at = $2
       RETURNING locked_until`,
      [key, now, new Date(now.getTime() - this.policy.windowMs), this.policy.maxFailures, new Date(now.getTime() + this.policy.lockMs)]);
    return row?.locked_until != null;
  }

  private rateLimited(until: Date, now: Date): CpxError {
    return new CpxError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil((new Date(until).getTime() - now.getTime()) / 1000)) });
  }
}
