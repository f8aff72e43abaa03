// THE identity parser: what a CPx certificate says about its holder, read the same way by the card layer, the
// account service's validator and the UI. Runs in Node and in the browser: it imports no Node built-in.
//
// It decodes with @peculiar/asn1-x509 (the ASN.1 layer of @peculiar/x509) rather than @peculiar/x509 itself,
// because the latter needs a global Reflect-metadata polyfill (tsyringe) that we do not want to impose on
// every process, the renderer included.
import { sha256 } from '@noble/hashes/sha2.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints, CertificatePolicies, Certificate, CRLDistributionPoints, ExtendedKeyUsage, KeyUsage, Name,
  AuthorityKeyIdentifier, SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_certificatePolicies, id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectKeyIdentifier, id_kp_clientAuth,
} from '@peculiar/asn1-x509';
import type { CardType, CertificateRole, Holder, NationalId, NationalIdType } from './card.ts';
import { CpxError } from './errors.ts';

/** Private IGC-Santé extension carrying the card type (last byte: 0 CPS, 1 CPF, 2 CPE, 3 CPA). */
export const OID_CARD_TYPE = '1.2.250.1.71.1.2.2';
export const OID_CLIENT_AUTH = id_kp_clientAuth;

/** keyUsage bits, numbered as in RFC 5280 (digitalSignature = bit 0). */
export const KU = {
  digitalSignature: 1 << 0, nonRepudiation: 1 << 1, keyEncipherment: 1 << 2, dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4, keyCertSign: 1 << 5, cRLSign: 1 << 6, encipherOnly: 1 << 7, decipherOnly: 1 << 8,
} as const;

/** One attribute of a distinguished name, with its short name when it has one (CN, SN, GN, title, …). */
export interface NameAttribute { oid: string; name: string; value: string; /** value is `#hex` of a non-string type */ hex?: true }

/** Everything the parser and the validator read from a certificate, decoded once. */
export interface CertificateFacts {
  der: Uint8Array;
  /** The signed part, for signature checks done elsewhere. */
  tbs: Uint8Array;
  /** Relative distinguished names in DER order; a multi-valued RDN has several attributes. */
  subjectRdns: NameAttribute[][];
  issuerRdns: NameAttribute[][];
  /** RFC 4514 strings (most specific RDN first), e.g. `CN=810002813839+SN=DONNAT-GADY+GN=ISABELLE, title=Médecin, C=FR`. */
  subject: string;
  issuer: string;
  /** Lowercase hex without leading zero bytes: the form CRL entries are compared in. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithm: string;
  publicKeyAlgorithm: string;
  /** KU bit set, or null when the certificate has no keyUsage extension. */
  keyUsage: number | null;
  /** EKU OIDs, or null when absent. */
  extendedKeyUsage: string[] | null;
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  policies: string[];
  crlDistributionPoints: string[];
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** Last byte of the card-type extension's value, or null without the extension. */
  cardTypeCode: number | null;
  criticalExtensions: string[];
}

export interface ParsedCertificate {
  role: CertificateRole | null;
  /** Null when the subject carries no CPx national identifier (not a CPx holder certificate). */
  holder: Holder | null;
  cardType: CardType | null;
  /** True when the card-type extension is absent and the type was inferred from the national identifier. */
  cardTypeInferred: boolean;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** Whole days from `now` to notAfter, rounded down; negative once expired. */
  daysLeft: number;
  serialNumber: string;
  /** SHA-256 of the DER, lowercase hex (computed synchronously here, so it works in every process). */
  fingerprint: string;
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.42': 'GN', '2.5.4.12': 'title', '2.5.4.6': 'C', '2.5.4.8': 'ST',
  '2.5.4.7': 'L', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.65': 'pseudonym', '2.5.4.5': 'serialNumber',
  '2.5.4.9': 'street', '2.5.4.17': 'postalCode', '2.5.4.43': 'initials', '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier', '2.5.4.97': 'organizationIdentifier', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
};

/**
 * Decodes a DER certificate. Throws CERT_MALFORMED on anything that is not one (never a raw parser exception).
 */
export function decodeCertificate(der: Uint8Array): CertificateFacts {
  try {
    return decode(der);
  } catch (err) {
    if (err instanceof CpxError) throw err;
    throw new CpxError('CERT_MALFORMED', { detail: err instanceof Error ? err.message.slice(0, 120) : 'decode' }, { cause: err });
  }
}

function decode(der: Uint8Array): CertificateFacts {
  // isView, not instanceof: bytes may come from another realm (a frame, a worker, a vm context).
  if (!ArrayBuffer.isView(der) || !('BYTES_PER_ELEMENT' in der) || der.BYTES_PER_ELEMENT !== 1 || der.length < 16 || der[0] !== 0x30) {
    throw new CpxError('CERT_MALFORMED');
  }
  // Parsers ignore bytes after the certificate; accepting them would give one certificate many fingerprints.
  if (outerLength(der) !== der.length) throw new CpxError('CERT_MALFORMED', { detail: 'trailing data' });
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const facts: CertificateFacts = {
    der,
    tbs: cert.tbsCertificateRaw ? new Uint8Array(cert.tbsCertificateRaw) : new Uint8Array(AsnConvert.serialize(tbs)),
    subjectRdns: rdns(tbs.subject),
    issuerRdns: rdns(tbs.issuer),
    subject: '',
    issuer: '',
    serialNumber: serialHex(new Uint8Array(tbs.serialNumber)),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    publicKeyAlgorithm: tbs.subjectPublicKeyInfo.algorithm.algorithm,
    keyUsage: null,
    extendedKeyUsage: null,
    basicConstraints: null,
    policies: [],
    crlDistributionPoints: [],
    subjectKeyId: null,
    authorityKeyId: null,
    cardTypeCode: null,
    criticalExtensions: [],
  };
  facts.subject = dnString(facts.subjectRdns);
  facts.issuer = dnString(facts.issuerRdns);
  if (Number.isNaN(facts.notBefore.getTime()) || Number.isNaN(facts.notAfter.getTime())) throw new CpxError('CERT_MALFORMED', { detail: 'validity' });
  const seen = new Set<string>();
  for (const ext of tbs.extensions ?? []) {
    // A repeated extension is forbidden (RFC 5280 §4.2) and would let two readers disagree on which one counts.
    if (seen.has(ext.extnID)) throw new CpxError('CERT_MALFORMED', { detail: `duplicate extension ${ext.extnID}` });
    seen.add(ext.extnID);
    if (ext.critical) facts.criticalExtensions.push(ext.extnID);
    const value = new Uint8Array(ext.extnValue.buffer);
    switch (ext.extnID) {
      case id_ce_keyUsage: facts.keyUsage = bitsToNumber(AsnConvert.parse(value, KeyUsage)); break;
      case id_ce_extKeyUsage: facts.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)]; break;
      case id_ce_basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        facts.basicConstraints = { ca: !!bc.cA, pathLen: bc.pathLenConstraint ?? null };
        break;
      }
      case id_ce_certificatePolicies:
        facts.policies = AsnConvert.parse(value, CertificatePolicies).map((p) => p.policyIdentifier);
        break;
      case id_ce_cRLDistributionPoints:
        for (const dp of AsnConvert.parse(value, CRLDistributionPoints)) {
          for (const gn of dp.distributionPoint?.fullName ?? []) {
            if (gn.uniformResourceIdentifier) facts.crlDistributionPoints.push(gn.uniformResourceIdentifier);
          }
        }
        break;
      case id_ce_subjectKeyIdentifier:
        facts.subjectKeyId = hex(new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer));
        break;
      case id_ce_authorityKeyIdentifier: {
        const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
        facts.authorityKeyId = aki.keyIdentifier ? hex(new Uint8Array(aki.keyIdentifier.buffer)) : null;
        break;
      }
      case OID_CARD_TYPE:
        // Seen as the DER INTEGER 02 01 0X; the last byte is the type whatever the wrapping.
        facts.cardTypeCode = value.length ? value[value.length - 1]! : null;
        break;
    }
  }
  return facts;
}

/** Total length (header + content) of the DER element starting at 0; -1 when the header is not DER. */
function outerLength(der: Uint8Array): number {
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len;
}

/** A DER-encoded Name (e.g. a CRL's issuer) as RDNs; throws CERT_MALFORMED. */
export function decodeName(der: Uint8Array): NameAttribute[][] {
  try {
    return rdns(AsnConvert.parse(der, Name));
  } catch (err) {
    throw new CpxError('CERT_MALFORMED', { detail: 'name' }, { cause: err });
  }
}

function rdns(name: Name): NameAttribute[][] {
  // Array.from: AsnArray.map would build asn1 Name/RDN instances, and callers want plain arrays.
  return Array.from(name, (rdn) => Array.from(rdn, (atv) => {
    const v = atv.value;
    // anyValue: a string type asn1-schema does not model (e.g. T61 variants); shown as hex like RFC 4514 does.
    const name = ATTRIBUTE_NAMES[atv.type] ?? atv.type;
    return v.anyValue ? { oid: atv.type, name, value: `#${hex(new Uint8Array(v.anyValue))}`, hex: true as const }
      : { oid: atv.type, name, value: v.toString() };
  }));
}

/** RFC 4514: the last RDN first, attributes of one RDN joined by `+`. */
export function dnString(rdnList: readonly NameAttribute[][]): string {
  return [...rdnList].reverse()
    .map((rdn) => rdn.map((a) => `${a.name}=${a.hex ? a.value : escapeDnValue(a.value)}`).join('+'))
    .join(', ');
}

function escapeDnValue(v: string): string {
  return v
    .replace(/[\\,+"<>;]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/[\u0000-\u001f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

function bitsToNumber(bits: KeyUsage): number {
  const bytes = new Uint8Array(bits.value);
  let n = 0;
  for (let i = 0; i < bytes.length * 8 && i < 16; i++) {
    if ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) n |= 1 << i;
  }
  return n;
}

/** Serial numbers compared as lowercase hex without the sign byte or other leading zeros. */
export function serialHex(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return hex(bytes.subarray(i));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
}

/** First value of an attribute, looked up by short name, across all RDNs. */
function attr(rdnList: readonly NameAttribute[][], name: string): string | null {
  for (const rdn of rdnList) for (const a of rdn) if (a.name === name && a.value !== '') return a.value;
  return null;
}

// ---- role ----

/**
 * Authentication: keyUsage digitalSignature without nonRepudiation, and clientAuth in the EKU when there is one.
 * Signature: keyUsage nonRepudiation. Decided from the extensions only, never from a label.
 */
export function certificateRole(facts: Pick<CertificateFacts, 'keyUsage' | 'extendedKeyUsage'>): CertificateRole | null {
  const ku = facts.keyUsage;
  if (ku === null) return null;
  if (ku & KU.nonRepudiation) return 'signature';
  if (!(ku & KU.digitalSignature)) return null;
  if (facts.extendedKeyUsage && !facts.extendedKeyUsage.includes(OID_CLIENT_AUTH)) return null;
  return 'authentication';
}

// ---- national identifier ----

const PREFIX_TYPES: Readonly<Record<string, NationalIdType>> = {
  '0': 'ADELI', '1': 'ADELI_CABINET', '3': 'FINESS', '4': 'SIREN', '5': 'SIRET', '6': 'RPPS_CABINET', '8': 'RPPS',
};
const PERSON_TYPES: ReadonlySet<NationalIdType> = new Set(['ADELI', 'RPPS']);
const NATIONAL_ID_SHAPE = /^([0-9])([A-Za-z0-9]+)(?:\/([A-Za-z0-9._-]+))?$/;

/** Like parseNationalId, but null instead of an error: for subjects that may not be CPx ones. */
export function tryParseNationalId(raw: string): NationalId | null {
  const m = NATIONAL_ID_SHAPE.exec(raw.trim());
  if (!m) return null;
  const type = PREFIX_TYPES[m[1]!];
  if (!type) return null;
  const structure = !PERSON_TYPES.has(type);
  if (!structure && m[3] !== undefined) return null;
  const id = raw.trim().slice(1);
  return {
    raw: raw.trim(),
    type,
    id,
    structureId: structure ? m[2]! : null,
    internalId: structure ? m[3] ?? null : null,
  };
}

/**
 * idNat as found in the certificate's CN: one prefix digit (domain.md table) + the identifier; structure cards
 * carry `<structure id>/<internal id>`. Throws CARD_NOT_RECOGNISED when it is not one.
 */
export function parseNationalId(raw: string): NationalId {
  const parsed = typeof raw === 'string' ? tryParseNationalId(raw) : null;
  if (!parsed) throw new CpxError('CARD_NOT_RECOGNISED', { detail: 'idNat' });
  return parsed;
}

const NATIONAL_ID_LABELS: Readonly<Record<NationalIdType, string>> = {
  ADELI: 'ADELI',
  ADELI_CABINET: 'ADELI cabinet/identifiant interne',
  FINESS: 'FINESS/identifiant interne',
  SIREN: 'SIREN/identifiant interne',
  SIRET: 'SIRET/identifiant interne',
  RPPS_CABINET: 'RPPS cabinet/identifiant interne',
  RPPS: 'RPPS',
};

/** The label users know from "Mon compte › Id nationaux", e.g. `FINESS/identifiant interne`. */
export function nationalIdLabel(type: NationalIdType): string {
  return NATIONAL_ID_LABELS[type];
}

/**
 * A national identifier as users see it ("Mon compte › Id nationaux", the CLI): its label and the raw idNat, prefix
 * digit included, as the certificate's CN writes it and the user guides show it — `RPPS` `899700012349`,
 * `FINESS/identifiant interne` `30B0238838/CPET00001`. Whatever else names the identifier (an account name) uses this.
 */
export function nationalIdLine(n: Pick<NationalId, 'type' | 'raw'>): { label: string; value: string; type: NationalIdType } {
  return { label: nationalIdLabel(n.type), value: n.raw, type: n.type };
}

/** `FINESS/identifiant interne: 30B0238838/CPET00001`, `ADELI: 00B9131182`, as the account page shows it. */
export function formatNationalId(n: Pick<NationalId, 'type' | 'raw'>): string {
  const line = nationalIdLine(n);
  return `${line.label}: ${line.value}`;
}

// ---- holder and card type ----

const CARD_TYPE_CODES: readonly CardType[] = ['CPS', 'CPF', 'CPE', 'CPA'];
const INFERRED_CARD_TYPE: Readonly<Record<NationalIdType, CardType>> = {
  RPPS: 'CPS', ADELI: 'CPS', FINESS: 'CPE', SIREN: 'CPE', ADELI_CABINET: 'CPE', RPPS_CABINET: 'CPE', SIRET: 'CPA',
};

/** The holder named by a subject, or null when its CN is not a CPx national identifier. */
export function holderFromSubject(rdnList: readonly NameAttribute[][]): Holder | null {
  const cn = attr(rdnList, 'CN');
  const nationalId = cn === null ? null : tryParseNationalId(cn);
  if (!nationalId) return null;
  // Legacy GIP-CPS certificates name the profession in OU; structure cards also use OU for a numeric structure id.
  const legacyProfession = rdnList.flat().find((a) => a.name === 'OU' && /\p{L}/u.test(a.value))?.value ?? null;
  return {
    // Structure cards (CPE/CPA) may name their holder only by a pseudonym (e.g. EMPLOYE000000018).
    surname: attr(rdnList, 'SN') ?? attr(rdnList, 'pseudonym') ?? '',
    givenName: attr(rdnList, 'GN') ?? '',
    profession: attr(rdnList, 'title') ?? legacyProfession,
    nationalId,
    organisation: attr(rdnList, 'O'),
  };
}

export function cardTypeOf(facts: Pick<CertificateFacts, 'cardTypeCode'>, holder: Holder | null): { cardType: CardType | null; cardTypeInferred: boolean } {
  const code = facts.cardTypeCode;
  if (code !== null && code < CARD_TYPE_CODES.length) return { cardType: CARD_TYPE_CODES[code]!, cardTypeInferred: false };
  if (!holder) return { cardType: null, cardTypeInferred: false };
  return { cardType: INFERRED_CARD_TYPE[holder.nationalId.type], cardTypeInferred: true };
}

export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** Reads a certificate as every face of CPx Link shows it. Throws CERT_MALFORMED when the DER is not a certificate. */
export function parseCertificate(der: Uint8Array, now: Date = new Date()): ParsedCertificate {
  const facts = decodeCertificate(der);
  const holder = holderFromSubject(facts.subjectRdns);
  return {
    role: certificateRole(facts),
    holder,
    ...cardTypeOf(facts, holder),
    subject: facts.subject,
    issuer: facts.issuer,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    daysLeft: daysLeft(facts.notAfter, now),
    serialNumber: facts.serialNumber,
    fingerprint: fingerprintOf(facts.der),
  };
}

/** SHA-256 of a certificate's DER, lowercase hex (synchronous; same value as `crypto.createHash('sha256')`). */
export function fingerprintOf(der: Uint8Array): string {
  return hex(sha256(der));
}
