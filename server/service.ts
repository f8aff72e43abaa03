// The account service's operations for the app, independent of HTTP: challenge, card authentication (a session,
// or a link ticket for "Première connexion"), link, independent-doctor account, card login, account page, and the
// app's side of a browser login (transaction challenge and completion, hand-off). The web pages' side lives in
// browser-sessions.ts. Each operation that can fail leaves an audit entry with its outcome.
import type { AccountPage, BrowserHandoff, CardAuthResult, Challenge, SessionResult, TransactionChallenge, TransactionResult } from '../protocol/account.ts';
import { validateDoctorProfile, normaliseDoctorProfile } from '../protocol/doctor-profile.ts';
import type { DoctorProfileField, FieldProblem } from '../protocol/doctor-profile.ts';
import { CpxError } from '../protocol/errors.ts';
import { ACCOUNT_PAGE_COLUMNS, accountNameFor, toAccountPage } from './account-page.ts';
import type { AccountPageRow } from './account-page.ts';
import { audit, audited, AuditedError } from './audit.ts';
import { Batcher } from './batcher.ts';
import { BrowserCodes } from './browser-codes.ts';
import { BROWSER_PATHS, COMPLETE_PARAM, HANDOFF_PARAM } from './browser-paths.ts';
import { BrowserSessions } from './browser-sessions.ts';
import { cardIdentity, independentDoctorAllowed } from './card-identity.ts';
import type { CardIdentity } from './card-identity.ts';
import { linkCard } from './card-links.ts';
import { Credentials, DEFAULT_LOCKOUT } from './credentials.ts';
import type { LockoutPolicy } from './credentials.ts';
import type { Db, Queryable } from './db/index.ts';
import { SESSION_TTL_MS } from './lifetimes.ts';
import { LinkTickets } from './link-tickets.ts';
import { LoginTransactions } from './login-transactions.ts';
import { NonceStore } from './nonces.ts';
import { secretHash } from './secrets.ts';
import { newSession } from './sessions.ts';
import { TokenCheck } from './token-check.ts';
import type { TokenValidatorPort } from './validator-port.ts';

export const DEFAULT_SERVICE_NAME = "Service d'orientation (référence CPx Link)";

export interface ServiceOptions {
  db: Db;
  validator: TokenValidatorPort;
  /** The origin tokens must be signed for, e.g. `https://service.example` or `http://127.0.0.1:8080`. */
  origin: string;
  /** Who asks, as the app's PIN dialog shows it (`--name`). */
  name?: string;
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

/** A card token and the challenge it answers (every token names its nonce). */
export interface TokenProof {
  token: unknown;
  nonce: string;
  /** The card number the client read from the token label; informative, the certificate does not carry it. */
  cardNumber?: string;
}

/** "Première connexion" proves the card with a fresh token, or with the ticket of the card authentication just done. */
export type CardProof = TokenProof | { ticket: string };

/** The card behind a request, however it was proven. */
interface ProvenCard { identity: CardIdentity; cardNumber: string | null; ticket: string | null; browserHash: string | null }

interface LoginItem { nationalId: string; sessionHash: string; fingerprint: string; client: string }

export class AccountService {
  readonly origin: string;
  readonly name: string;
  readonly nonces: NonceStore;
  /** The web pages' operations (browser sessions, transactions, one-time codes). */
  readonly browser: BrowserSessions;
  private readonly logins: Batcher<LoginItem, { row: AccountPageRow | undefined; expiresAt: Date }>;
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly tokens: TokenCheck;
  private readonly credentials: Credentials;
  private readonly tickets: LinkTickets;
  private readonly transactions: LoginTransactions;
  private readonly codes: BrowserCodes;
  private readonly sessionTtlMs: number;

  constructor(opts: ServiceOptions) {
    this.db = opts.db;
    this.origin = opts.origin;
    this.name = opts.name ?? DEFAULT_SERVICE_NAME;
    this.clock = opts.clock ?? (() => new Date());
    this.nonces = new NonceStore(opts.db, this.clock);
    this.tokens = new TokenCheck(opts.validator, this.nonces, opts.origin);
    this.credentials = new Credentials(opts.db, this.clock, opts.lockout ?? DEFAULT_LOCKOUT);
    this.tickets = new LinkTickets(opts.db, this.clock);
    this.transactions = new LoginTransactions(opts.db, this.clock);
    this.codes = new BrowserCodes(opts.db, this.clock);
    this.sessionTtlMs = opts.sessionTtlMs ?? SESSION_TTL_MS;
    this.logins = new Batcher((items) => this.loginBatch(items));
    this.browser = new BrowserSessions({
      db: opts.db, clock: this.clock, origin: opts.origin, credentials: this.credentials, transactions: this.transactions,
      codes: this.codes, sessionTtlMs: this.sessionTtlMs,
    });
  }

  async challenge(client: string): Promise<Challenge> {
    return { ...await this.nonces.issue(client), service: { name: this.name, origin: this.origin } };
  }

  /** "Espace professionnel": links the card to an existing account, given that account's own password. */
  async link(req: CardProof & { username: string; password: string }, client: string): Promise<SessionResult> {
    return await audited(this.db, this.clock, 'link', client, async (note) => {
      // The card first, so that a wrong password never burns a lockout count on a bad token or ticket.
      const card = await this.proveCard(req, note);
      const account = await this.credentials.check(req.username, req.password, client);
      return await this.db.transaction(async (tx) => await this.firstLogin(tx, 'link', account.id, card, client));
    });
  }

  /** "Espace médecin libéral": creates a card-only account for a doctor's CPS and links the card. */
  async createIndependentDoctor(req: CardProof & { profile: Record<string, unknown> }, client: string): Promise<SessionResult> {
    return await audited(this.db, this.clock, 'independent-doctor', client, async (note) => {
      // Checked before the token so that a typo does not cost the user a new challenge and PIN entry.
      const problems = validateDoctorProfile(req.profile);
      if (Object.keys(problems).length) throw new ProfileInvalidError(problems);
      const profile = normaliseDoctorProfile(req.profile);
      const card = await this.proveCard(req, note);
      const { holder } = card.identity;
      if (!independentDoctorAllowed(holder)) throw new CpxError('INDEPENDENT_DOCTOR_ONLY');
      const id = holder.nationalId;
      return await this.db.transaction(async (tx) => {
        const [created] = await tx.query<{ id: number }>(
          `INSERT INTO accounts (username, kind, surname, given_name, profession, specialty, email, phone, mobile, address,
             postal_code, city, owner_national_id, created_at)
           VALUES ($1, 'independent-doctor', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT DO NOTHING RETURNING id`,
          [accountNameFor(id), holder.surname, holder.givenName, holder.profession,
            profile.specialty || null, profile.email, profile.phone || null, profile.mobile || null, profile.address || null,
            profile.postalCode, profile.city, id.raw, this.clock()]);
        if (!created) throw new CpxError('ACCOUNT_EXISTS');
        return await this.firstLogin(tx, 'independent-doctor', created.id, card, client);
      });
    });
  }

  /** Card login: a session for the account the card is linked to (CARD_NOT_LINKED otherwise). One round trip after the token. */
  async cardLogin(req: TokenProof, client: string): Promise<SessionResult> {
    return await audited(this.db, this.clock, 'login', client, async (note) => {
      const { result } = await this.login(req, client, note);
      if (!result) throw new AuditedError('CARD_NOT_LINKED');
      return result;
    });
  }

  /** PIN first: a linked card is logged in; an unlinked one gets a link ticket for "Première connexion". */
  async cardAuth(req: TokenProof, client: string): Promise<CardAuthResult> {
    return await audited(this.db, this.clock, 'login', client, async (note) => {
      const { card, result } = await this.login(req, client, note);
      if (result) return { status: 'logged-in', ...result };
      return { status: 'link-required', ...await this.issueTicket(this.db, card, req.cardNumber ?? null, null, client) };
    });
  }

  /** The app, after parsing a `cpxlink:` link: a challenge issued for that transaction only. */
  async transactionChallenge(transaction: string, client: string): Promise<TransactionChallenge> {
    const tx = await this.transactions.open(transaction);
    return { ...await this.nonces.issue(client, tx.idHash), service: { name: this.name, origin: this.origin } };
  }

  /**
   * The app answers a transaction's challenge with the card. Linked: a one-time completion URL that only the browser
   * which started the transaction can redeem. Unlinked: a ticket whose first login ends in that browser too.
   */
  async completeTransaction(req: TokenProof & { transaction: string }, client: string): Promise<TransactionResult> {
    return await audited(this.db, this.clock, 'transaction', client, async (note) => {
      const tx = await this.transactions.open(req.transaction);
      const card = cardIdentity(await this.tokens.check(req.token, req.nonce, tx.idHash));
      note(card);
      const [row] = await this.db.query<AccountPageRow>(
        `SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN card_links c ON c.account_id = a.id WHERE c.national_id = $1`,
        [card.holder.nationalId.raw]);
      if (row && !row.active) throw new CpxError('ACCOUNT_INACTIVE');
      return await this.db.transaction(async (q): Promise<TransactionResult> => {
        await this.transactions.complete(q, tx.idHash);
        if (!row) return { status: 'link-required', ...await this.issueTicket(q, card, req.cardNumber ?? null, tx.browserHash, client) };
        const completeUrl = await this.completeUrl(q, row.id, tx.browserHash);
        await audit(q, this.clock(), { event: 'transaction', outcome: 'ok', accountId: row.id, nationalId: card.holder.nationalId.raw, fingerprint: card.fingerprint, client });
        return { status: 'logged-in', completeUrl, account: toAccountPage(row) };
      });
    });
  }

  /** The app's card session opens the default browser logged in: a one-time URL bound to that session. */
  async browserHandoff(sessionValue: string, client: string): Promise<BrowserHandoff> {
    const sessionHash = secretHash(sessionValue);
    const [row] = await this.db.query<{ account_id: number; active: boolean }>(
      `SELECT s.account_id, a.active FROM sessions s JOIN accounts a ON a.id = s.account_id
       WHERE s.token_hash = $1 AND s.kind = 'app' AND s.expires_at > $2`, [sessionHash, this.clock()]);
    if (!row) throw new CpxError('SESSION_INVALID');
    if (!row.active) throw new CpxError('ACCOUNT_INACTIVE');
    const { code, expiresAt } = await this.codes.issue(this.db, 'handoff', { accountId: row.account_id, browserHash: null, sessionHash });
    await audit(this.db, this.clock(), { event: 'handoff', outcome: 'ok', accountId: row.account_id, client });
    return { url: `${this.origin}${BROWSER_PATHS.handoff}?${HANDOFF_PARAM}=${code}`, expiresAt: expiresAt.toISOString() };
  }

  /** GET /api/me. */
  async accountPage(sessionValue: string): Promise<AccountPage> {
    const [row] = await this.db.query<AccountPageRow>(
      `SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN sessions s ON s.account_id = a.id
       WHERE s.token_hash = $1 AND s.kind = 'app' AND s.expires_at > $2`, [secretHash(sessionValue), this.clock()]);
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

  /** Housekeeping (every few minutes): expired nonces, sessions, tickets, transactions and codes, stale failure counts. The audit log is kept. */
  async purgeExpired(): Promise<void> {
    await this.nonces.purgeExpired();
    await this.db.query('DELETE FROM sessions WHERE expires_at < $1', [this.clock()]);
    await this.tickets.purgeExpired();
    await this.transactions.purgeExpired();
    await this.codes.purgeExpired();
    await this.credentials.purge();
  }

  private async proveCard(req: CardProof, note: (card: CardIdentity) => void): Promise<ProvenCard> {
    if ('ticket' in req) {
      const grant = await this.tickets.peek(req.ticket);
      note(grant.identity);
      return { identity: grant.identity, cardNumber: grant.cardNumber, ticket: req.ticket, browserHash: grant.browserHash };
    }
    const identity = cardIdentity(await this.tokens.check(req.token, req.nonce));
    note(identity);
    return { identity, cardNumber: req.cardNumber ?? null, ticket: null, browserHash: null };
  }

  /** The end of "Première connexion", inside its database transaction: ticket used up, card linked, session opened. */
  private async firstLogin(tx: Queryable, event: 'link' | 'independent-doctor', accountId: number, card: ProvenCard, client: string): Promise<SessionResult> {
    const now = this.clock();
    if (card.ticket) await this.tickets.take(tx, card.ticket);
    await linkCard(tx, accountId, card.identity, card.cardNumber, now);
    const result = await this.openSession(tx, accountId, now);
    if (card.browserHash) result.completeUrl = await this.completeUrl(tx, accountId, card.browserHash);
    await audit(tx, now, { event, outcome: 'ok', accountId, nationalId: card.identity.holder.nationalId.raw, fingerprint: card.identity.fingerprint, client,
      detail: { with: card.ticket ? 'ticket' : 'token' } });
    return result;
  }

  private async issueTicket(q: Queryable, card: CardIdentity, cardNumber: string | null, browserHash: string | null, client: string) {
    const ticket = await this.tickets.issue(q, { identity: card, cardNumber, browserHash });
    await audit(q, this.clock(), { event: 'ticket', outcome: 'ok', nationalId: card.holder.nationalId.raw, fingerprint: card.fingerprint, client });
    return ticket;
  }

  private async completeUrl(q: Queryable, accountId: number, browserHash: string): Promise<string> {
    const { code } = await this.codes.issue(q, 'transaction', { accountId, browserHash, sessionHash: null });
    return `${this.origin}${BROWSER_PATHS.complete}?${COMPLETE_PARAM}=${code}`;
  }

  /** The token checked, then the linked account's session (null when the card is linked to no account). */
  private async login(req: TokenProof, client: string, note: (card: CardIdentity) => void): Promise<{ card: CardIdentity; result: SessionResult | null }> {
    const v = await this.tokens.check(req.token, req.nonce);
    const card = cardIdentity(v);
    note(card);
    const session = newSession(this.clock(), this.sessionTtlMs);
    const { row, expiresAt } = await this.logins.call({ nationalId: card.holder.nationalId.raw, sessionHash: session.hash, fingerprint: card.fingerprint, client });
    if (!row) return { card, result: null };
    if (!row.active) throw new AuditedError('ACCOUNT_INACTIVE');
    return { card, result: { session: session.value, expiresAt: expiresAt.toISOString(), account: toAccountPage(row) } };
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

  private async openSession(q: Queryable, accountId: number, now: Date): Promise<SessionResult> {
    const session = newSession(now, this.sessionTtlMs);
    const [row] = await q.query<AccountPageRow>(
      `WITH s AS (INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING account_id)
       SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN s ON a.id = s.account_id`,
      [session.hash, accountId, now, session.expiresAt]);
    return { session: session.value, expiresAt: session.expiresAt.toISOString(), account: toAccountPage(row!) };
  }
}
