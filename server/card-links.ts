// The link between a card holder identity (national identifier) and an account. The national identifier is
// card_links' primary key, so under any concurrency a card is linked to one account at most; linking it
// again to the same account refreshes the certificate details (a renewed card keeps its holder's identifier).
import { CpxError } from '../protocol/errors.ts';
import type { CardIdentity } from './card-identity.ts';
import type { Queryable } from './db/index.ts';

/** cardNumber: as declared by the client (10 digits) when it sent one; the certificate does not carry it. */
export async function linkCard(q: Queryable, accountId: number, card: CardIdentity, cardNumber: string | null, now: Date): Promise<void> {
  const id = card.holder.nationalId;
  const rows = await q.query(
    `INSERT INTO card_links (national_id, national_id_type, account_id, card_type, card_number,
       cert_fingerprint, cert_serial, cert_not_after, linked_at, holder_profession)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (national_id) DO UPDATE SET card_type = EXCLUDED.card_type, holder_profession = EXCLUDED.holder_profession,
       card_number = COALESCE(EXCLUDED.card_number, card_links.card_number), cert_fingerprint = EXCLUDED.cert_fingerprint,
       cert_serial = EXCLUDED.cert_serial, cert_not_after = EXCLUDED.cert_not_after
     WHERE card_links.account_id = EXCLUDED.account_id
     RETURNING account_id`,
    [id.raw, id.type, accountId, card.holder.cardType, cardNumber, card.fingerprint, card.serialNumber, new Date(card.notAfter), now, card.holder.profession]);
  if (!rows.length) throw new CpxError('CARD_ALREADY_LINKED');
}
