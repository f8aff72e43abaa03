// The account service's resources as the app, the CLI and the service itself see them (reference service in server/).
import type { CardType, NationalIdType } from './card.ts';

export type AccountKind = 'establishment' | 'independent-doctor';

/** One line of "Administration › Mon compte › Id nationaux", labelled as users know it. */
export interface NationalIdLine {
  /** `FINESS/identifiant interne`, `SIRET/identifiant interne`, `ADELI`, `RPPS`, … */
  label: string;
  value: string;
  type: NationalIdType;
}

export interface LinkedCard {
  cardNumber: string;
  cardType: CardType;
  linkedAt: string;
  certificateNotAfter: string;
}

/** GET /api/me: the "Mon compte" page. */
export interface AccountPage {
  username: string;
  kind: AccountKind;
  surname: string;
  givenName: string;
  profession: string | null;
  specialty: string | null;
  email: string | null;
  establishment: { name: string; finess: string | null; service: string | null } | null;
  region: string | null;
  nationalIds: NationalIdLine[];
  cards: LinkedCard[];
}

export interface Challenge {
  nonce: string;
  expiresAt: string;
}

/** POST /api/cards/link, /api/accounts/independent-doctor, /api/auth/card-login all answer this. */
export interface SessionResult {
  session: string;
  expiresAt: string;
  account: AccountPage;
}

export interface Region {
  id: string;
  name: string;
  /** "Comment obtenir un compte ?" for this region, plain text (paragraphs separated by blank lines). */
  howToGetAccount: string;
  support: { label: string; email?: string; phone?: string; url?: string } | null;
}
