// The shape of the test PKI: an IGC-Santé look-alike (domain.md, "The certificates"), every name marked TEST
// so that nothing issued here can be mistaken for a real IGC-Santé certificate.

/** Bump when the way certificates are built changes: every cached certificate is then re-issued (keys are kept). */
export const GENERATOR_VERSION = 1;

// The real CAs are RSA-4096. Generating two 4096-bit keys costs seconds on a 2-core CI machine for no test value
// (nothing in the project depends on the CA key size), so the test CAs are RSA-2048 like the cards' keys.
export const RSA_BITS = 2048;
export const SIGNING_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** The common part of the IGC-Santé CA subjects, in DER order (C first, CN last), as in the real certificates. */
const IGC_SANTE_BASE = [
  { C: ['FR'] },
  { O: ['ASIP-SANTE'] },
  { OU: ['0002 187512751'] },
  { OU: ['IGC-SANTE'] },
];
export const ROOT_SUBJECT = [...IGC_SANTE_BASE, { CN: ['TEST AC RACINE IGC-SANTE FORT'] }];
export const INTERMEDIATE_SUBJECT = [...IGC_SANTE_BASE, { CN: ['TEST AC IGC-SANTE FORT PERSONNES'] }];

// `.invalid` is reserved (RFC 2606): these URLs can never reach a real server. The validator is given the CRL file
// (crlPath()) or a URL override in tests.
export const ROOT_CRL_URL = 'http://igc-sante.test.invalid/CRL/ACR-FO-TEST.crl';
export const CRL_URL = 'http://igc-sante.test.invalid/CRL/ACI-FO-PP-TEST.crl';
export const POLICY_CPS_URL = 'http://igc-sante.test.invalid/PC';

/** CPx private extension carrying the card type: DER INTEGER whose last byte is the type (domain.md). */
export const CARD_TYPE_OID = '1.2.250.1.71.1.2.2';
export const CARD_TYPE_CODES = { CPS: 0, CPF: 1, CPE: 2, CPA: 3 } as const;
// The profession extension 1.2.250.1.71.1.2.7 is NOT issued: its real encoding is not documented anywhere we can
// check, and an invented one would mislead the identity parser. The profession is in `title` (or `OU`, legacy).

/**
 * Certificate policies of the TEST leaves. Made-up arc under the IGC-Santé test branch (1.2.250.1.71.1.1), with a
 * `99` that no real IGC-Santé policy uses: `.1` = authentication certificates, `.2` = signature certificates.
 * The CAs carry anyPolicy, as the real ones do, so a validator's allow/deny list can be tried on these.
 */
export const TEST_POLICY_ARC = '1.2.250.1.71.1.1.99';
export const POLICY_AUTHENTICATION = `${TEST_POLICY_ARC}.1`;
export const POLICY_SIGNATURE = `${TEST_POLICY_ARC}.2`;
export const ANY_POLICY = '2.5.29.32.0';

export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_SMARTCARD_LOGON = '1.3.6.1.4.1.311.20.2.2';

export const DAY_MS = 86_400_000;
/** Real CPS certificates last 3 years. */
export const LEAF_LIFETIME_DAYS = 3 * 365;
export const CA_LIFETIME_DAYS = 20 * 365;
/** A valid leaf is re-issued (same key) once it has fewer days left than this, so tests never meet an expiry. */
export const LEAF_RENEW_DAYS = 90;
/** `cps-expiring`: auth certificate ends in about 10 days (the UI warns at 30); re-issued outside this window. */
export const EXPIRING_DAYS = 10;
export const EXPIRING_WINDOW = { min: 7, max: 13 } as const;
/** `expired`: ended this long ago. */
export const EXPIRED_SINCE_DAYS = 30;
/** CRLs: next update a year ahead, re-issued when less than a month is left. */
export const CRL_LIFETIME_DAYS = 365;
export const CRL_RENEW_DAYS = 30;
