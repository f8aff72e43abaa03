// The CKO_DATA objects a CPS card exposes (domain.md: public CPS_DATA, CPS_ID_CARD, CPS_NAME_PS, CPS_INFO_PS;
// PIN-protected CPS_ACTIVITY_xx_PS). Their real layout is not public: here each is a flat list of BER-TLVs with
// context-specific tags [0], [1]… holding UTF-8 text, enough for code that lists or reads them. Nothing in the
// project must take identity from these (the certificate is the source of truth).

import * as asn1js from 'asn1js';
import { tokenLabel, type CardProfile } from '../profiles.ts';
import { CARD_TYPE_CODES } from './hierarchy.ts';

export interface CardDataObject {
  label: string;
  /** Readable only after login (CKA_PRIVATE). */
  private: boolean;
  value: Uint8Array;
}

function tlvs(fields: readonly (string | null)[]): Uint8Array {
  const parts = fields.map((text, tagNumber) => new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber },
    valueHex: new TextEncoder().encode(text ?? ''),
  }).toBER(false));
  return new Uint8Array(Buffer.concat(parts.map((p) => new Uint8Array(p))));
}

function yyyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

export function cardDataObjects(profile: CardProfile, validity: { notBefore: Date; notAfter: Date }): CardDataObject[] {
  const org = profile.organisation;
  return [
    // [0] data version, [1] issued, [2] expires
    { label: 'CPS_DATA', private: false, value: tlvs(['TEST-1', yyyymmdd(validity.notBefore), yyyymmdd(validity.notAfter)]) },
    // [0] card number, [1] card type code, [2] card generation
    { label: 'CPS_ID_CARD', private: false, value: tlvs([profile.cardNumber, String(CARD_TYPE_CODES[profile.cardType]), tokenLabel(profile).split('-')[0]!]) },
    // [0] surname, [1] given name
    { label: 'CPS_NAME_PS', private: false, value: tlvs([profile.surname, profile.givenName]) },
    // [0] national id (with prefix), [1] surname, [2] given name, [3] profession, [4] card type
    {
      label: 'CPS_INFO_PS', private: false,
      value: tlvs([profile.nationalId, profile.surname, profile.givenName, profile.profession, profile.cardType]),
    },
    // [0] structure id, [1] structure name, [2] département
    {
      label: 'CPS_ACTIVITY_01_PS', private: true,
      value: tlvs([org?.structureId ?? null, org?.name ?? null, org?.departement ?? null]),
    },
  ];
}
