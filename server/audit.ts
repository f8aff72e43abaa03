// The audit log: who did what, when, from where, with which outcome. Callers pass identifiers only
// (account id, national identifier, certificate fingerprint, client address), never a secret.
import type { Queryable } from './db/index.ts';

export type AuditEvent = 'challenge' | 'link' | 'login' | 'independent-doctor' | 'lockout';

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
