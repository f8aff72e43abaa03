// What a CPx card is, as every face of CPx Link sees it (CLI JSON, IPC, UI, account service).
// The shapes follow ../shared/contracts.md (`cpx-link card --json`): renaming a field breaks outside checks.

export type CardType = 'CPS' | 'CPE' | 'CPA' | 'CPF';

/** Decided from the national identifier's prefix digit (domain.md). */
export type NationalIdType = 'ADELI' | 'ADELI_CABINET' | 'FINESS' | 'SIREN' | 'SIRET' | 'RPPS_CABINET' | 'RPPS';

export interface NationalId {
  /** idNat exactly as in the certificate's CN, prefix digit included (e.g. `899700012345`, `3760021832/000000018`). */
  raw: string;
  type: NationalIdType;
  /** The identifier without its prefix digit (RPPS/ADELI number, or `<structure>/<internal>` for structure cards). */
  id: string;
  /** Structure cards (prefixes 1, 3, 4, 5, 6): the FINESS/SIREN/SIRET/ADELI/RPPS of the structure. */
  structureId: string | null;
  /** Structure cards: the internal identifier after `/`. */
  internalId: string | null;
}

export interface Holder {
  surname: string;
  givenName: string;
  /** From `title`, or `OU` on legacy GIP-CPS certificates; null when the certificate names none. */
  profession: string | null;
  nationalId: NationalId;
  /** CPE/CPA cards: the organisation from `O`. */
  organisation?: string | null;
}

export type CertificateRole = 'authentication' | 'signature';

export interface CardCertificate {
  role: CertificateRole;
  subject: string;
  issuer: string;
  /** ISO-8601. */
  notBefore: string;
  notAfter: string;
  /** Whole days from now to notAfter; negative once expired. */
  daysLeft: number;
  serialNumber?: string;
  /** SHA-256 of the DER, lowercase hex. */
  fingerprint?: string;
}

export interface PinState {
  /** 3, 2, 1 from the token flags; 0 when locked. */
  triesLeft: number;
  locked: boolean;
  /** The reader has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): the PIN is typed on the reader. */
  pinpad: boolean;
}

/** The PUK's own tries (token flags CKF_SO_PIN_*): a blocked PUK means a new card from the ANS. */
export interface PukState {
  triesLeft: number;
  locked: boolean;
}

export interface CardInfo {
  /** Reader (slot) index as the CLI's `--reader N` counts them, and the reader's name. */
  readerIndex?: number;
  reader: string;
  label: string;
  cardNumber: string;
  cardType: CardType;
  /** True when no card-type extension was found and the type was inferred from the national identifier. */
  cardTypeInferred?: boolean;
  pin: PinState;
  puk?: PukState;
  /** Null when the card has no readable authentication certificate (e.g. a signature-only card). */
  holder: Holder | null;
  certificates: CardCertificate[];
}

export interface ReaderInfo {
  index: number;
  name: string;
  card: boolean;
}

/** What the watcher reports; the UI maps each to a next step. */
export type WatchStateKind = 'NO_MODULE' | 'NO_READER' | 'NO_CARD' | 'CARD_PRESENT' | 'CARD_REMOVED';

export interface WatchState {
  kind: WatchStateKind;
  readers: ReaderInfo[];
  /** Cards present and read (CARD_PRESENT). A card that could not be read is listed in `unrecognised`. */
  cards: CardInfo[];
  unrecognised: { reader: string; readerIndex: number; label: string; reason: string }[];
  /**
   * Set with NO_MODULE: why the middleware is not usable. `source` says where the failing module came from;
   * `policy`, `setting` or `environment` mean someone configured it on purpose and no other module was tried.
   */
  module?: { path: string | null; code: string; message: string; source?: string };
}

/** The Web eID authentication token (format web-eid:1.0), see domain.md. */
export interface WebEidToken {
  unverifiedCertificate: string;
  algorithm: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';
  signature: string;
  format: string;
  appVersion: string;
}
