// Username + password of an existing account (only ever used to link a card). One generic answer for an
// unknown user, a wrong password or a card-only account; a lockout after repeated failures per username
// as typed, kept whether or not the account exists so the lockout itself reveals nothing.
//
// The attempt is counted before the (slow) argon2 check, in one atomic statement: requests sent at once each
// take their own number, so a burst of N wrong passwords gets at most `maxFailures` checks, whatever N, on one
// process or several sharing the database. An active lock is never cleared nor extended by what arrives during it.
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
    const attempt = await this.countAttempt(key);
    if (attempt.lockedUntil) throw this.rateLimited(attempt.lockedUntil);
    if (attempt.number > this.policy.maxFailures) throw this.rateLimited(await this.lock(key, null, client));

    const [account] = await this.db.query<{ id: number; active: boolean; password_hash: string | null }>(
      'SELECT id, active, password_hash FROM accounts WHERE lower(username) = $1', [key]);
    if (!(await verifyPassword(account?.password_hash ?? null, password)) || !account) {
      // Already counted; the one that reaches the limit locks (whichever of a burst finishes first).
      if (attempt.number >= this.policy.maxFailures) await this.lock(key, account?.id ?? null, client);
      throw new CpxError('CREDENTIALS_INVALID');
    }
    // The owner's password forgets the count, but not a lock another attempt set meanwhile.
    await this.db.query('DELETE FROM credential_failures WHERE username_key = $1 AND NOT (locked_until > $2)', [key, this.clock()]);
    if (!account.active) throw new CpxError('ACCOUNT_INACTIVE');
    return { id: account.id, active: account.active };
  }

  /** Forgets counts that can no longer lock anything (quiet for a whole window, lock over). */
  async purge(): Promise<void> {
    const now = this.clock();
    await this.db.query('DELETE FROM credential_failures WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)',
      [new Date(now.getTime() - this.policy.windowMs), now]);
  }

  /**
   * Takes the next attempt number for this username (1 after a quiet window or once a lock ran out), or, while a
   * lock is active, leaves the row exactly as it is and returns the lock.
   */
  private async countAttempt(key: string): Promise<{ number: number; lockedUntil: Date | null }> {
    const now = this.clock();
    const [row] = await this.db.query<{ failures: number; locked_until: Date | null }>(
      `INSERT INTO credential_failures AS f (username_key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
       ON CONFLICT (username_key) DO UPDATE SET
         failures = CASE WHEN f.locked_until > $2 THEN f.failures
                         WHEN f.locked_until IS NOT NULL OR f.updated_at < $3 THEN 1
                         ELSE f.failures + 1 END,
         locked_until = CASE WHEN f.locked_until > $2 THEN f.locked_until END,
         updated_at = CASE WHEN f.locked_until > $2 THEN f.updated_at ELSE $2 END
       RETURNING failures, locked_until`,
      [key, now, new Date(now.getTime() - this.policy.windowMs)]);
    const lockedUntil = row!.locked_until ? new Date(row!.locked_until) : null;
    return { number: row!.failures, lockedUntil: lockedUntil && lockedUntil > now ? lockedUntil : null };
  }

  /** Locks the username unless it already is; the lock's end either way. The one that locks writes the audit line. */
  private async lock(key: string, accountId: number | null, client: string): Promise<Date> {
    const now = this.clock();
    const [set] = await this.db.query<{ locked_until: Date }>(
      `UPDATE credential_failures SET locked_until = $3
       WHERE username_key = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING locked_until`,
      [key, now, new Date(now.getTime() + this.policy.lockMs)]);
    if (set) {
      await audit(this.db, now, { event: 'lockout', outcome: 'RATE_LIMITED', accountId, client });
      return new Date(set.locked_until);
    }
    const [row] = await this.db.query<{ locked_until: Date | null }>('SELECT locked_until FROM credential_failures WHERE username_key = $1', [key]);
    return row?.locked_until ? new Date(row.locked_until) : new Date(now.getTime() + this.policy.lockMs);
  }

  private rateLimited(until: Date): CpxError {
    return new CpxError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil((until.getTime() - this.clock().getTime()) / 1000)) });
  }
}
