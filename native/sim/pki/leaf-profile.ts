// What goes into a card's certificate, derived from its profile: subject in the real IGC-Santé shape and the
// extensions a CPS authentication / signature certificate carries. Pure description, no keys, no signing.

import * as asn1js from 'asn1js';
import { x509 } from './x509.ts';
import type { CardProfile, SubjectAttribute } from '../profiles.ts';
import {
  CARD_TYPE_CODES, CARD_TYPE_OID, CRL_URL, EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON, POLICY_AUTHENTICATION, POLICY_SIGNATURE,
} from './hierarchy.ts';

export type LeafRole = 'authentication' | 'signature';

const OID = {
  CN: '2.5.4.3', SN: '2.5.4.4', GN: '2.5.4.42', C: '2.5.4.6', ST: '2.5.4.8', O: '2.5.4.10', OU: '2.5.4.11',
  title: '2.5.4.12', pseudonym: '2.5.4.65',
} as const;

/** Names are UTF8String (they carry accents); C stays PrintableString as RFC 5280 requires. */
function utf8(value: string): { utf8String: string }[] {
  return [{ utf8String: value }];
}

/**
 * Subject in DER order, as the real certificates are encoded (printed C-first by OpenSSL, CN-first by RFC 4514 tools):
 * C, [ST, O, OU], [title|OU profession], [pseudonym], then the multi-valued RDN CN+SN+GN.
 */
export function leafSubject(profile: CardProfile): x509.Name {
  const rdns: x509.JsonNameParams = [{ [OID.C]: ['FR'] }];
  const org = profile.organisation;
  if (org) {
    rdns.push({ [OID.ST]: utf8(org.departement) }, { [OID.O]: utf8(org.name) }, { [OID.OU]: utf8(org.structureId) });
  }
  if (profile.profession) {
    rdns.push({ [profile.professionIn === 'OU' ? OID.OU : OID.title]: utf8(profile.profession) });
  }
  if (profile.pseudonym) rdns.push({ [OID.pseudonym]: utf8(profile.pseudonym) });
  const values: Record<SubjectAttribute, string | null> = {
    CN: profile.nationalId, SN: profile.surname, GN: profile.givenName,
  };
  const multi: Record<string, { utf8String: string }[]> = {};
  for (const attr of profile.rdnOrder) {
    const value = values[attr];
    if (value !== null) multi[OID[attr]] = utf8(value);
  }
  rdns.push(multi);
  return new x509.Name(rdns);
}

/** extnValue of 1.2.250.1.71.1.2.2: the 3-byte DER INTEGER `02 01 0X` (X = 0 CPS, 1 CPF, 2 CPE, 3 CPA). */
export function cardTypeExtensionValue(cardType: CardProfile['cardType']): Uint8Array {
  return new Uint8Array(new asn1js.Integer({ value: CARD_TYPE_CODES[cardType] }).toBER(false));
}

/** Extensions that do not depend on keys (key identifiers are added at issuance). */
export function leafExtensions(profile: CardProfile, role: LeafRole): x509.Extension[] {
  const usage = role === 'authentication'
    ? x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.nonRepudiation;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.CertificatePolicyExtension([role === 'authentication' ? POLICY_AUTHENTICATION : POLICY_SIGNATURE]),
    new x509.CRLDistributionPointsExtension([CRL_URL]),
    new x509.Extension(CARD_TYPE_OID, false, cardTypeExtensionValue(profile.cardType)),
  ];
  if (role === 'authentication') {
    extensions.push(new x509.ExtendedKeyUsageExtension([EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON]));
  }
  return extensions;
}
