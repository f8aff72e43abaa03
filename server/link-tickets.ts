// Link tickets: after one verified card authentication of an unlinked card, "Première connexion" (Espace
// professionnel, Espace médecin libéral) finishes with the ticket instead of a second token, so a wrong password
// or a typo in the doctor's form never costs another PIN entry. The ticket is opaque (stored hashed), short-lived,
// carries the identity the service verified (bound to that certificate and national identifier: the client
// names nothing), and is used up only by the request that succeeds with it.
import type { LinkTicket } from '../protocol/account.ts';
import { CpxError } from '../protocol/errors.ts';
import { independentDoctorAllowed } from './card-identity.ts';
import type { CardIdentity } from './card-identity.ts';
import type { Db, Queryable } from './db/index.ts';
import { TICKET_TTL_MS } from './lifetimes.ts';
import { newSecret, secretHash } from './secrets.ts';

export interface TicketGrant {
  identity: CardIdentity;
  cardNumber: string | null;
  /** The browser a login transaction came from: the session the ticket ends in goes to that browser too. */
  browserHash: string | null;
}

interface TicketRow { identity: CardIdentity | string; card_number: string | null; browser_hash: string | null }

export class LinkTickets {
  constructor(private readonly db: Db, private readonly clock: () => Date) {}

  async issue(q: Queryable, grant: TicketGrant): Promise<LinkTicket> {
    const ticket = newSecret();
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    const { identity } = grant;
    await q.query(
      `INSERT INTO link_tickets (ticket_hash, national_id, fingerprint, identity, card_number, browser_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [ticket.hash, identity.holder.nationalId.raw, identity.fingerprint, JSON.stringify(identity), grant.cardNumber, grant.browserHash, now, expiresAt]);
    return { ticket: ticket.value, expiresAt: expiresAt.toISOString(), holder: identity.holder, independentDoctorAllowed: independentDoctorAllowed(identity.holder) };
  }

  /** What the ticket grants; TICKET_INVALID when it is unknown, used or expired. Leaves it usable. */
  async peek(ticket: string): Promise<TicketGrant> {
    const [row] = await this.db.query<TicketRow>(
      'SELECT identity, card_number, browser_hash FROM link_tickets WHERE ticket_hash = $1 AND expires_at > $2',
      [secretHash(ticket), this.clock()]);
    if (!row) throw new CpxError('TICKET_INVALID');
    const identity = typeof row.identity === 'string' ? JSON.parse(row.identity) as CardIdentity : row.identity;
    return { identity, cardNumber: row.card_number, browserHash: row.browser_hash };
  }

  /**
   * Uses the ticket up, inside the database transaction that succeeds with it; TICKET_INVALID when another request
   * did first. The first login of that card holder is then done: their other outstanding tickets go too.
   */
  async take(q: Queryable, ticket: string): Promise<void> {
    const hash = secretHash(ticket);
    const rows = await q.query<{ ticket_hash: string }>(
      `DELETE FROM link_tickets WHERE national_id = (SELECT national_id FROM link_tickets WHERE ticket_hash = $1 AND expires_at > $2)
       RETURNING ticket_hash`, [hash, this.clock()]);
    if (!rows.some((r) => r.ticket_hash === hash)) throw new CpxError('TICKET_INVALID');
  }

  async purgeExpired(): Promise<void> {
    await this.db.query('DELETE FROM link_tickets WHERE expires_at < $1', [this.clock()]);
  }
}
