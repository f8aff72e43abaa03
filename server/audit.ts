// The audit log: who did what, when, from where, with which outcome. Callers pass identifiers only
// (account id, national identifier, certificate fingerprint, client address), never a secret.
import { toCpxError, CpxError } from '../protocol/errors.ts';
import type { CardIdentity } from './card-identity.ts';
import type { Queryable } from './db/index.ts';

export type AuditEvent = 'challenge' | 'link' | 'login' | 'independent-doctor' | 'lockout'
  /** A link ticket issued to an unlinked card ("Première connexion" follows). */
  | 'ticket'
  /** Browser login: a transaction started by the page, completed by the app. */
  | 'transaction-start' | 'transaction'
  /** A browser session opened (completion code, hand-off code, password form), one closed. */
  | 'browser-login' | 'handoff' | 'logout';

export interface AuditEntry {
  event: AuditEvent;
  /** 'ok' or the error code answered. */
  outcome: string;
  accountId?: number | null;
  nationalId?: string | null;
  fingerprint?: string | null;
  client?: string | null;
  detail?: Record<string, string | number | boolean> | null;
}

export async function audit(q: Queryable, at: Date, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (at, event, outcome, account_id, national_id, fingerprint, client, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [at, e.event, e.outcome, e.accountId ?? null, e.nationalId ?? null, e.fingerprint ?? null, e.client ?? null,
      e.detail ? JSON.stringify(e.detail) : null]);
}

/** An error whose audit entry was already written in the same statement that found it. */
export class AuditedError extends CpxError {}

/**
 * Runs op; a failure is written to the audit log with its code (unless op already did) and rethrown. op calls
 * `note` with the card it verified, so that the failure line names it.
 */
export async function audited<T>(q: Queryable, clock: () => Date, event: AuditEvent, client: string,
  op: (note: (card: CardIdentity) => void) => Promise<T>): Promise<T> {
  let card: CardIdentity | null = null;
  try {
    return await op((c) => { card = c; });
  } catch (err) {
    if (!(err instanceof AuditedError)) {
      const c = card as CardIdentity | null;
      await audit(q, clock(), { event, outcome: toCpxError(err).code, nationalId: c?.holder.nationalId.raw ?? null, fingerprint: c?.fingerprint ?? null, client })
        .catch(() => { /* the answer matters more than its audit line */ });
    }
    throw err;
  }
}
