// The account service's operations, independent of HTTP: challenge, link, independent-doctor account,
// card login, account page. Each one that can fail leaves an audit entry with its outcome.
import type { AccountPage, Challenge, SessionResult } from '../protocol/account.ts';
import { validateDoctorProfile, normaliseDoctorProfile } from '../protocol/doctor-profile.ts';
import type { DoctorProfileField, FieldProblem } from '../protocol/doctor-profile.ts';
import { CpxError, toCpxError } from '../protocol/errors.ts';
import { ACCOUNT_PAGE_COLUMNS, accountNameFor, toAccountPage } from './account-page.ts';
import type { AccountPageRow } from './account-page.ts';
import { audit } from './audit.ts';
import { Batcher } from './batcher.ts';
import type { AuditEvent } from './audit.ts';
import { linkCard } from './card-links.ts';
import { Credentials, DEFAULT_LOCKOUT } from './credentials.ts';
import type { LockoutPolicy } from './credentials.ts';
import type { Db, Queryable } from './db/index.ts';
import { NonceStore } from './nonces.ts';
import { SESSION_TTL_MS, newSession, sessionHash } from './sessions.ts';
import { TokenCheck } from './token-check.ts';
import type { TokenValidatorPort, ValidatedToken } from './validator-port.ts';

export interface ServiceOptions {
  db: Db;
  validator: TokenValidatorPort;
  /** The origin tokens must be signed for, e.g. `https://service.example` or `http://127.0.0.1:8080`. */
  origin: string;
  clock?: () => Date;
  lockout?: LockoutPolicy;
  sessionTtlMs?: number;
}

/** PROFILE_INVALID carries which field failed and why, for the form to show next to each field. */
export class ProfileInvalidError extends CpxError {
  constructor(readonly fields: Partial<Record<DoctorProfileField, FieldProblem>>) {
    super('PROFILE_INVALID', { detail: Object.keys(fields).map((f) => FIELD_LABELS[f as DoctorProfileField]).join(', ') });
  }
}

const FIELD_LABELS: Record<DoctorProfileField, string> = {
  specialty: 'Spécialité', email: 'Mail', phone: 'Téléphone', mobile: 'Téléphone portable', address: 'Adresse',
  postalCode: 'Code postal', city: 'Ville',
};

const isDoctor = (profession: string | null) =>
  !!profession && profession.normalize('NFD').replace(/\p{Diacritic}/gu, '').trim().toLowerCase().startsWith('medecin');

export interface TokenRequest {
  token: unknown;
  /** The challenge the token answers; optional (recovered from the signature when absent). */
  nonce?: string;
  /** The card number the client read from the token label; informative, the certificate does not carry it. */
  cardNumber?: string;
}

interface LoginItem { nationalId: string; sessionHash: string; fingerprint: string; client: string }

export class AccountService {
  readonly nonces: NonceStore;
  private readonly logins: Batcher<LoginItem, { row: AccountPageRow | undefined; expiresAt: Date }>;
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly tokens: TokenCheck;
  private readonly credentials: Credentials;
  private readonly sessionTtlMs: number;

  constructor(opts: ServiceOptions) {
    this.db = opts.db;
    this.clock = opts.clock ?? (() => new Date());
    this.nonces = new NonceStore(opts.db, opts.origin, this.clock);
    this.tokens = new TokenCheck(opts.validator, this.nonces, opts.origin);
    this.credentials = new Credentials(opts.db, this.clock, opts.lockout ?? DEFAULT_LOCKOUT);
    this.sessionTtlMs = opts.sessionTtlMs ?? SESSION_TTL_MS;
    this.logins = new Batcher((items) => this.loginBatch(items));
  }

  async challenge(client: string): Promise<Challenge> {
    return await this.nonces.issue(client);
  }

  /** "Espace professionnel": links the card to an existing account, given that account's own password. */
  async link(req: TokenRequest & { username: string; password: string }, client: string): Promise<SessionResult> {
    return await this.audited('link', client, async (note) => {
      const v = await this.tokens.check(req.token, client, req.nonce);
      note(v);
      const account = await this.credentials.check(req.username, req.password, client);
      return await this.db.transaction(async (tx) => {
        const now = this.clock();
        await linkCard(tx, account.id, v, req.cardNumber ?? null, now);
        const result = await this.openSession(tx, account.id, now);
        await audit(tx, now, { event: 'link', outcome: 'ok', accountId: account.id, nationalId: v.holder.nationalId.raw, fingerprint: v.fingerprint, client });
        return result;
      });
    });
  }

  /** "Espace médecin libéral": creates a card-only account for a doctor's CPS and links the card. */
  async createIndependentDoctor(req: TokenRequest & { profile: Record<string, unknown> }, client: string): Promise<SessionResult> {
    return await this.audited('independent-doctor', client, async (note) => {
      // Checked before the token so that a typo does not cost the user a new challenge and PIN entry.
      const problems = validateDoctorProfile(req.profile);
      if (Object.keys(problems).length) throw new ProfileInvalidError(problems);
      const profile = normaliseDoctorProfile(req.profile);
      const v = await this.tokens.check(req.token, client, req.nonce);
      note(v);
      if (v.cardType !== 'CPS' || !isDoctor(v.holder.profession)) throw new CpxError('INDEPENDENT_DOCTOR_ONLY');
      const id = v.holder.nationalId;
      return await this.db.transaction(async (tx) => {
        const now = this.clock();
        const [created] = await tx.query<{ id: number }>(
          `INSERT INTO accounts (username, kind, surname, given_name, profession, specialty, email, phone, mobile, address,
             postal_code, city, owner_national_id, created_at)
           VALUES ($1, 'independent-doctor', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT DO NOTHING RETURNING id`,
          [accountNameFor(id), v.holder.surname, v.holder.givenName, v.holder.profession,
            profile.specialty || null, profile.email, profile.phone || null, profile.mobile || null, profile.address || null,
            profile.postalCode, profile.city, id.raw, now]);
        if (!created) throw new CpxError('ACCOUNT_EXISTS');
        await linkCard(tx, created.id, v, req.cardNumber ?? null, now);
        const result = await this.openSession(tx, created.id, now);
        await audit(tx, now, { event: 'independent-doctor', outcome: 'ok', accountId: created.id, nationalId: id.raw, fingerprint: v.fingerprint, client });
        return result;
      });
    });
  }

  /** Card login: a session for the account the card is linked to (CARD_NOT_LINKED otherwise). One round trip after the token. */
  async cardLogin(req: TokenRequest, client: string): Promise<SessionResult> {
    return await this.audited('login', client, async (note) => {
      const v = await this.tokens.check(req.token, client, req.nonce);
      note(v);
      const session = newSession(this.clock(), this.sessionTtlMs);
      const { row, expiresAt } = await this.logins.call({ nationalId: v.holder.nationalId.raw, sessionHash: session.hash, fingerprint: v.fingerprint, client });
      if (!row) throw new AuditedError('CARD_NOT_LINKED');
      if (!row.active) throw new AuditedError('ACCOUNT_INACTIVE');
      return { session: session.value, expiresAt: expiresAt.toISOString(), account: toAccountPage(row) };
    });
  }

  /**
   * The hot path of the service: for every login of the batch, the link lookup, the session and the audit entry,
   * all in one statement (concurrent card logins share it).
   */
  private async loginBatch(items: LoginItem[]): Promise<{ row: AccountPageRow | undefined; expiresAt: Date }[]> {
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs);
    const rows = await this.db.query<AccountPageRow & { ord: number }>(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS i(national_id, token_hash, fingerprint, client, ord)),
       l AS (SELECT i.*, a.id, a.active FROM i LEFT JOIN card_links c ON c.national_id = i.national_id LEFT JOIN accounts a ON a.id = c.account_id),
       s AS (INSERT INTO sessions (token_hash, account_id, created_at, expires_at) SELECT token_hash, id, $6, $7 FROM l WHERE active RETURNING 1),
       au AS (INSERT INTO audit_log (at, event, outcome, account_id, national_id, fingerprint, client)
         SELECT $6, 'login', CASE WHEN l.id IS NULL THEN 'CARD_NOT_LINKED' WHEN NOT l.active THEN 'ACCOUNT_INACTIVE' ELSE 'ok' END,
           l.id, l.national_id, l.fingerprint, l.client FROM l)
       SELECT l.ord, ${ACCOUNT_PAGE_COLUMNS} FROM l JOIN accounts a ON a.id = l.id`,
      [items.map((x) => x.nationalId), items.map((x) => x.sessionHash), items.map((x) => x.fingerprint), items.map((x) => x.client),
        items.map((_, i) => i), now, expiresAt]);
    const byOrd = new Map(rows.map((r) => [r.ord, r]));
    return items.map((_, i) => ({ row: byOrd.get(i), expiresAt }));
  }

  /** GET /api/me. */
  async accountPage(sessionValue: string): Promise<AccountPage> {
    const [row] = await this.db.query<AccountPageRow>(
      `SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN sessions s ON s.account_id = a.id
       WHERE s.token_hash = $1 AND s.expires_at > $2`, [sessionHash(sessionValue), this.clock()]);
    if (!row) throw new CpxError('SESSION_INVALID');
    if (!row.active) throw new CpxError('ACCOUNT_INACTIVE');
    return toAccountPage(row);
  }

  async ping(): Promise<void> {
    try {
      await this.db.query('SELECT 1');
    } catch (err) {
      throw new CpxError('SERVICE_UNREACHABLE', { detail: 'base de données' }, { cause: err });
    }
  }

  /** Housekeeping (every few minutes): expired nonces and sessions, stale failure counts. The audit log is kept. */
  async purgeExpired(): Promise<void> {
    await this.nonces.purgeExpired();
    await this.db.query('DELETE FROM sessions WHERE expires_at < $1', [this.clock()]);
    await this.credentials.purge();
  }

  private async openSession(q: Queryable, accountId: number, now: Date): Promise<SessionResult> {
    const session = newSession(now, this.sessionTtlMs);
    const [row] = await q.query<AccountPageRow>(
      `WITH s AS (INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING account_id)
       SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN s ON a.id = s.account_id`,
      [session.hash, accountId, now, session.expiresAt]);
    return { session: session.value, expiresAt: session.expiresAt.toISOString(), account: toAccountPage(row!) };
  }

  /** Runs op; a failure is written to the audit log with its code (unless op already did) and rethrown. */
  private async audited<T>(event: AuditEvent, client: string, op: (note: (v: ValidatedToken) => void) => Promise<T>): Promise<T> {
    let token: ValidatedToken | null = null;
    try {
      return await op((v) => { token = v; });
    } catch (err) {
      const e = toCpxError(err);
      if (!(err instanceof AuditedError)) {
        const v = token as ValidatedToken | null;
        await audit(this.db, this.clock(), { event, outcome: e.code, nationalId: v?.holder.nationalId.raw ?? null, fingerprint: v?.fingerprint ?? null, client })
          .catch(() => { /* the answer matters more than its audit line */ });
      }
      throw err;
    }
  }
}

/** An error whose audit entry was already written in the same statement that found it. */
class AuditedError extends CpxError {}
