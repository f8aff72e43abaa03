// The account service's resources as the app, the CLI and the service itself see them (reference service in server/).
import type { CardType, NationalIdType } from './card.ts';
import type { Lang } from './errors.ts';

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
  /**
   * An establishment account with a doctor's CPS linked: "Mon compte" says how to link an independent doctor's
   * account too (protocol/doctor-account-link.ts). Decided by the service, which read the card's profession.
   */
  independentDoctorLink: boolean;
}

export interface Challenge {
  nonce: string;
  expiresAt: string;
  /**
   * Who asks, as the service names itself: the PIN dialog's name for it when no serviceName setting or policy
   * gives one (the origin stays the small print).
   */
  service?: { name: string; origin: string };
}

/** POST /api/cards/link, /api/accounts/independent-doctor, /api/auth/card-login all answer this. */
export interface SessionResult {
  session: string;
  expiresAt: string;
  account: AccountPage;
  /** Set when the link/ticket belonged to a browser transaction: the one-time URL that logs that browser in. */
  completeUrl?: string;
}

/**
 * `GET /api/trust`: the certificate authorities a service accepts cards from, so a client can say "this card is not
 * accepted here" before anyone types a PIN. `subject` is RFC 4514 as protocol/identity.ts writes it — the same string
 * a card certificate's `issuer` has when that authority issued it.
 */
export interface ServiceTrust {
  authorities: { subject: string; subjectKeyId: string | null; sha256: string }[];
  /** True when the service trusts test authorities (simulated cards accepted, real ones refused). */
  testCards: boolean;
}

/** Whether `issuer` (a card certificate's issuer) is one of the authorities `trust` lists. */
export function issuedByTrusted(trust: ServiceTrust, issuer: string): boolean {
  return trust.authorities.some((a) => a.subject === issuer);
}

export interface Region {
  id: string;
  name: string;
  /** "Comment obtenir un compte ?" for this region, plain text (paragraphs separated by blank lines). */
  howToGetAccount: string;
  /**
   * Who to reach (every region has someone). Each field is one value of its kind — `mailtoHref(email)`,
   * `telHref(phone)` of protocol/contact.ts make the links; `url` is https.
   */
  support: { label: string; email?: string; phone?: string; url?: string };
  /** The same texts in English (French is the reference; a region without them shows its French text). */
  en?: { name: string; howToGetAccount: string; supportLabel: string };
}

/** A region's texts in `lang`: the English ones when it has them, else the French reference. */
export function regionIn(region: Region, lang: Lang): Region {
  if (lang !== 'en' || !region.en) return region;
  const { name, howToGetAccount, supportLabel } = region.en;
  return { ...region, name, howToGetAccount, support: { ...region.support, label: supportLabel } };
}

/** The region an account belongs to (its `region` is a region's id or name), if the service lists it. */
export function regionOfAccount(regions: readonly Region[], account: Pick<AccountPage, 'region'>): Region | null {
  return regions.find((r) => r.id === account.region || r.name === account.region) ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// PIN first, then "Première connexion": one card authentication, then either a session or a link ticket.

/** The card holder as the service read them from the certificate it has just verified (never from the client). */
export interface VerifiedHolder {
  surname: string;
  givenName: string;
  profession: string | null;
  cardType: CardType;
  nationalId: { type: NationalIdType; id: string; raw: string };
}

/**
 * An unlinked card after a verified card authentication: the ticket lets "Première connexion" (Espace
 * professionnel / Espace médecin libéral) finish without another PIN. Opaque, ≥ 256 bits, ~10 minutes, stored
 * hashed, bound to the certificate fingerprint, single use on success (a wrong password or a form error keeps it).
 */
export interface LinkTicket {
  ticket: string;
  expiresAt: string;
  holder: VerifiedHolder;
  /** "Espace médecin libéral" is offered only to a CPS doctor. */
  independentDoctorAllowed: boolean;
}

/** POST /api/auth/card `{token, nonce, cardNumber?}`: a linked card is logged in, an unlinked one gets a ticket. */
export type CardAuthResult =
  | ({ status: 'logged-in' } & SessionResult)
  | ({ status: 'link-required' } & LinkTicket);

// ---------------------------------------------------------------------------------------------------------
// Browser login: the service's page starts a transaction and hands the app a `cpxlink:` link (protocol/deep-link.ts);
// the app signs that transaction's challenge and completes it; the browser that started it redeems a one-time
// completion URL (its transaction cookie proves it is the same browser: a relayed link logs nobody in).

/** POST /api/transactions/challenge `{transaction}` (the app, after parsing the link). */
export interface TransactionChallenge extends Challenge {
  /** Who asks, as the PIN dialog shows it: the service's name (e.g. "ViaTrajectoire — Centre-Val de Loire") and origin. */
  service: { name: string; origin: string };
}

/**
 * POST /api/transactions/complete `{transaction, token, nonce, cardNumber?}`. Logged in: `completeUrl` is the one-time
 * URL the app opens in the default browser. Unlinked card: a ticket bound to the transaction; link or independent
 * doctor with `{ticket, …}` then answers a SessionResult carrying the `completeUrl`.
 */
export type TransactionResult =
  | { status: 'logged-in'; completeUrl: string; account: AccountPage }
  | ({ status: 'link-required' } & LinkTicket);

/** POST /api/auth/browser-handoff (Authorization: Bearer <session of a card login>): opens the browser logged in. */
export interface BrowserHandoff {
  /** One-time URL (~60 s, single use) that the default browser redeems for a browser session. */
  url: string;
  expiresAt: string;
}
