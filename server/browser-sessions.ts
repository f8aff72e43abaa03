// The web pages' operations, independent of HTTP: browser sessions (opened by the usual password form, by a
// completed browser login transaction, or by the app's hand-off), the page's account view, logout, and starting
// a login transaction. The values handed in and out are the cookies' contents; only their hashes are stored.
import type { AccountPage } from '../protocol/account.ts';
import { buildLoginLink } from '../protocol/deep-link.ts';
import { CpxError } from '../protocol/errors.ts';
import { ACCOUNT_PAGE_COLUMNS, toAccountPage } from './account-page.ts';
import type { AccountPageRow } from './account-page.ts';
import { audit, audited, AuditedError } from './audit.ts';
import type { BrowserCodes } from './browser-codes.ts';
import type { Credentials } from './credentials.ts';
import type { Db } from './db/index.ts';
import type { LoginTransactions } from './login-transactions.ts';
import { secretHash } from './secrets.ts';
import { newSession } from './sessions.ts';
import type { NewSession } from './sessions.ts';

/** POST /connexion/carte: what the page needs to hand the app the transaction. */
export interface TransactionStart {
  transaction: string;
  /** `cpxlink://login?service=…&tx=…` (protocol/deep-link.ts). */
  link: string;
  expiresAt: string;
}

export interface BrowserSessionsOptions {
  db: Db;
  clock: () => Date;
  origin: string;
  credentials: Credentials;
  transactions: LoginTransactions;
  codes: BrowserCodes;
  sessionTtlMs: number;
}

export class BrowserSessions {
  constructor(private readonly o: BrowserSessionsOptions) {}

  /** The card button: a transaction bound to this browser's secret (the value of its transaction cookie). */
  async startTransaction(browserSecret: string, client: string): Promise<TransactionStart> {
    const tx = await this.o.transactions.create(secretHash(browserSecret));
    await audit(this.o.db, this.o.clock(), { event: 'transaction-start', outcome: 'ok', client });
    return { transaction: tx.id, link: buildLoginLink({ origin: this.o.origin, transaction: tx.id }), expiresAt: tx.expiresAt.toISOString() };
  }

  /**
   * GET /connexion/terminer: the completion code, redeemable only by the browser that started the transaction (its
   * cookie's secret). Any other browser burns the code and gets TRANSACTION_OTHER_BROWSER: a relayed link logs nobody in.
   */
  async redeemCompletion(code: string, browserSecret: string | null, client: string): Promise<NewSession> {
    return await audited(this.o.db, this.o.clock, 'browser-login', client, async () => {
      const grant = await this.o.codes.redeem('transaction', code);
      if (browserSecret === null || secretHash(browserSecret) !== grant.browserHash) throw new CpxError('TRANSACTION_OTHER_BROWSER');
      return await this.open(grant.accountId, 'transaction', client);
    });
  }

  /** GET /connexion/code: the app's hand-off code, while the app's card session it was made from still stands. */
  async redeemHandoff(code: string, client: string): Promise<NewSession> {
    return await audited(this.o.db, this.o.clock, 'browser-login', client, async () => {
      const grant = await this.o.codes.redeem('handoff', code);
      const [app] = await this.o.db.query('SELECT 1 FROM sessions WHERE token_hash = $1 AND kind = $2 AND expires_at > $3',
        [grant.sessionHash, 'app', this.o.clock()]);
      if (!app) throw new CpxError('SESSION_INVALID');
      return await this.open(grant.accountId, 'handoff', client);
    });
  }

  /** The service's usual username + password form (establishment accounts), with the same lockout as linking. */
  async passwordLogin(username: string, password: string, client: string): Promise<NewSession> {
    return await audited(this.o.db, this.o.clock, 'browser-login', client, async () => {
      const account = await this.o.credentials.check(username, password, client);
      return await this.open(account.id, 'password', client);
    });
  }

  /** "Mon compte" for a browser session cookie; null when it opens nothing (unknown, expired, account inactive). */
  async account(sessionValue: string): Promise<AccountPage | null> {
    const [row] = await this.o.db.query<AccountPageRow>(
      `SELECT ${ACCOUNT_PAGE_COLUMNS} FROM accounts a JOIN sessions s ON s.account_id = a.id
       WHERE s.token_hash = $1 AND s.kind = 'browser' AND s.expires_at > $2`, [secretHash(sessionValue), this.o.clock()]);
    return row?.active ? toAccountPage(row) : null;
  }

  async logout(sessionValue: string, client: string): Promise<void> {
    const [row] = await this.o.db.query<{ account_id: number }>(
      "DELETE FROM sessions WHERE token_hash = $1 AND kind = 'browser' RETURNING account_id", [secretHash(sessionValue)]);
    if (row) await audit(this.o.db, this.o.clock(), { event: 'logout', outcome: 'ok', accountId: row.account_id, client });
  }

  private async open(accountId: number, via: 'password' | 'transaction' | 'handoff', client: string): Promise<NewSession> {
    const now = this.o.clock();
    const session = newSession(now, this.o.sessionTtlMs);
    const [row] = await this.o.db.query<{ active: boolean }>(
      `WITH a AS (SELECT id, active FROM accounts WHERE id = $2),
       s AS (INSERT INTO sessions (token_hash, account_id, created_at, expires_at, kind) SELECT $1, id, $3, $4, 'browser' FROM a WHERE active RETURNING 1),
       au AS (INSERT INTO audit_log (at, event, outcome, account_id, client, detail)
         SELECT $3, 'browser-login', CASE WHEN active THEN 'ok' ELSE 'ACCOUNT_INACTIVE' END, id, $5, $6 FROM a)
       SELECT active FROM a`,
      [session.hash, accountId, now, session.expiresAt, client, JSON.stringify({ via })]);
    // An account deleted or deactivated between the code and its redemption.
    if (!row) throw new CpxError('SESSION_INVALID');
    if (!row.active) throw new AuditedError('ACCOUNT_INACTIVE');
    return session;
  }
}
