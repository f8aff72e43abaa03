// "Mon compte" (GET /api/me and every SessionResult): one query that returns the account with its linked
// cards, shaped into protocol/account.ts's AccountPage.
import type { AccountKind, AccountPage, NationalIdLine } from '../protocol/account.ts';
import type { CardType, NationalIdType } from '../protocol/card.ts';
import { nationalIdLine } from '../protocol/identity.ts';
import { independentDoctorAllowed } from './card-identity.ts';

/** Columns of an account and its cards as JSON; callers add FROM/JOIN/WHERE after `FROM accounts a`. */
export const ACCOUNT_PAGE_COLUMNS = `a.id, a.username, a.kind, a.active, a.surname, a.given_name, a.profession, a.specialty,
  a.email, a.establishment_name, a.establishment_finess, a.establishment_service, a.region,
  COALESCE((SELECT json_agg(json_build_object('nationalId', c.national_id, 'type', c.national_id_type,
      'cardType', c.card_type, 'cardNumber', c.card_number, 'profession', c.holder_profession,
      'linkedAt', c.linked_at, 'notAfter', c.cert_not_after) ORDER BY c.linked_at, c.national_id)
    FROM card_links c WHERE c.account_id = a.id), '[]') AS cards`;

export interface AccountPageRow {
  id: number;
  username: string;
  kind: AccountKind;
  active: boolean;
  surname: string;
  given_name: string;
  profession: string | null;
  specialty: string | null;
  email: string | null;
  establishment_name: string | null;
  establishment_finess: string | null;
  establishment_service: string | null;
  region: string | null;
  cards: {
    nationalId: string; type: NationalIdType; cardType: CardType; cardNumber: string | null; profession: string | null;
    linkedAt: string; notAfter: string;
  }[];
}

const iso = (v: string) => new Date(v).toISOString();

/**
 * An independent doctor's account name: the identifier's type and the value "Mon compte" shows for it, so the two
 * agree — `rpps.899700012349` beside `RPPS` `899700012349` (a `/` of structure ids becomes `-`).
 */
export function accountNameFor(id: { type: NationalIdType; raw: string }): string {
  const line = nationalIdLine(id);
  return `${line.type.toLowerCase()}.${line.value.replace(/\//g, '-')}`;
}

export function toAccountPage(row: AccountPageRow): AccountPage {
  const cards = typeof row.cards === 'string' ? JSON.parse(row.cards) as AccountPageRow['cards'] : row.cards;
  // card_links is keyed by national identifier: one line per linked holder identity, shown as the certificate
  // writes it (prefix digit included), e.g. `FINESS/identifiant interne` `3330999996/CPET00001`.
  const nationalIds: NationalIdLine[] = cards.map((c) => nationalIdLine({ type: c.type, raw: c.nationalId }));
  return {
    username: row.username,
    kind: row.kind,
    surname: row.surname,
    givenName: row.given_name,
    profession: row.profession,
    specialty: row.specialty,
    email: row.email,
    establishment: row.establishment_name
      ? { name: row.establishment_name, finess: row.establishment_finess, service: row.establishment_service }
      : null,
    region: row.region,
    nationalIds,
    cards: cards.map((c) => ({ cardNumber: c.cardNumber ?? '', cardType: c.cardType, linkedAt: iso(c.linkedAt), certificateNotAfter: iso(c.notAfter) })),
    independentDoctorLink: row.kind === 'establishment' && cards.some(independentDoctorAllowed),
  };
}
