// The simulated CPx cards: who holds them, what their certificates say.
// Shapes follow ../shared/domain.md ("Real subjects seen in public integrations"): a multi-valued RDN
// CN=<idNat>+SN=<SURNAME>+GN=<GIVEN>, then title=<profession>, C=FR; structure cards add O/OU/ST/pseudonym.
// Every identifier is in a test range or made up, and Luhn-valid where the real one is (RPPS, FINESS, SIREN,
// SIRET) so parsers that check keys accept them. Card numbers are fixed: accounts get linked to a card's
// identity, so re-inserting a profile must give the same card.

import type { CardType } from '../../protocol/card.ts';

/** Validity of the card's certificates relative to "now" (re-checked each time the PKI is ensured). */
export type CertValidity = 'valid' | 'expired' | 'expiring';

/** Attribute of the subject, in the order it appears in the DER (C first, the CN RDN last). */
export type SubjectAttribute = 'CN' | 'SN' | 'GN';

export interface Organisation {
  /** `O`: establishment or company name. */
  name: string;
  /** `OU`: structure identifier (FINESS, SIRET). */
  structureId: string;
  /** `ST`: département, as the real certificates write it. */
  departement: string;
}

/** The chip generation: CPS3 (IAS-ECC, no RSA-PSS) or CPS4 (NXP, RSA-PSS offered); domain.md. */
export type CardGeneration = 'CPS3' | 'CPS4';

export interface CardProfile {
  name: string;
  description: string;
  generation: CardGeneration;
  /** 10 digits; the token label is `CPS3v3-<cardNumber>` or `CPS4v1-<cardNumber>` (tokenLabel). */
  cardNumber: string;
  cardType: CardType;
  /** idNat exactly as in the CN: prefix digit + identifier (domain.md table). */
  nationalId: string;
  /** Null for a non-nominative service card (no SN/GN, only a pseudonym). */
  surname: string | null;
  givenName: string | null;
  profession: string | null;
  /** Current certificates carry the profession in `title`; legacy GIP-CPS ones in `OU`. */
  professionIn: 'title' | 'OU';
  /** Order of the attributes inside the multi-valued first RDN (the real pharmacist test card has SN first). */
  rdnOrder: readonly SubjectAttribute[];
  organisation: Organisation | null;
  pseudonym: string | null;
  /** Which certificates (and keys) the card holds. */
  authentication: boolean;
  signature: boolean;
  validity: CertValidity;
  /** Listed in the test CRL. */
  revoked: boolean;
}

const CN_SN_GN = ['CN', 'SN', 'GN'] as const;

type Defaults = Pick<CardProfile, 'generation' | 'cardType' | 'professionIn' | 'rdnOrder' | 'organisation' | 'pseudonym'
  | 'authentication' | 'signature' | 'validity' | 'revoked'>;
const CPS_DEFAULTS: Defaults = {
  generation: 'CPS3', cardType: 'CPS', professionIn: 'title', rdnOrder: CN_SN_GN, organisation: null, pseudonym: null,
  authentication: true, signature: true, validity: 'valid', revoked: false,
};

/** The establishment of the `cpe` profile. The account service seeds `demo.etab` in it (contracts.md). */
export const DEMO_ESTABLISHMENT = {
  name: 'CENTRE HOSPITALIER DE TEST CPX',
  /** 9-character FINESS (Gironde, Luhn-valid, not a real establishment as far as we know). */
  finess: '330999996',
  departement: 'Gironde (33)',
  /** Internal id of the `cpe` card holder. */
  internalId: 'CPET00001',
  /** idNat of the `cpe` card: `3` + FINESS + `/` + internal id. */
  nationalId: '3330999996/CPET00001',
} as const;

/** The company of the `cpa` profile (SIREN 999999998, SIRET = SIREN + NIC 00019, both Luhn-valid). */
export const DEMO_COMPANY = {
  name: 'CABINET DE RADIOLOGIE DE TEST',
  siret: '99999999800019',
  departement: 'Paris (75)',
  internalId: 'CPAT00042',
  nationalId: '599999999800019/CPAT00042',
} as const;

const PROFILE_LIST: readonly CardProfile[] = [
  {
    ...CPS_DEFAULTS, name: 'cps-medecin', description: 'CPS, médecin, identifiant RPPS',
    cardNumber: '2801000016', nationalId: '899700012349', surname: 'BERNARD', givenName: 'LUCIE', profession: 'Médecin',
  },
  {
    ...CPS_DEFAULTS, name: 'cps-pharmacien', description: 'CPS, pharmacien (forme de la carte de test publique)',
    cardNumber: '2801000024', nationalId: '899700075122', surname: 'PHARMACH0007512', givenName: 'CAROLE',
    profession: 'Pharmacien', rdnOrder: ['SN', 'CN', 'GN'],
  },
  {
    ...CPS_DEFAULTS, name: 'cps-adeli', description: 'CPS ancienne génération, identifiant ADELI, profession en OU',
    cardNumber: '2801000032', nationalId: '0759912341', surname: 'LEFEBVRE', givenName: 'THOMAS',
    profession: 'Masseur-Kinésithérapeute', professionIn: 'OU',
  },
  {
    ...CPS_DEFAULTS, name: 'cpe', description: "CPE, personnel d'établissement (FINESS/identifiant interne)",
    cardType: 'CPE', cardNumber: '2801000040', nationalId: DEMO_ESTABLISHMENT.nationalId,
    surname: 'PETIT', givenName: 'NATHALIE', profession: 'Carte de personnel établissement santé ou social',
    organisation: { name: DEMO_ESTABLISHMENT.name, structureId: DEMO_ESTABLISHMENT.finess, departement: DEMO_ESTABLISHMENT.departement },
    pseudonym: `EMPLOYE${DEMO_ESTABLISHMENT.internalId}`,
  },
  {
    ...CPS_DEFAULTS, name: 'cpe-service', description: 'CPE de service, non nominative (pseudonyme seulement)',
    cardType: 'CPE', cardNumber: '2801000057', nationalId: '3330999996/000000018',
    surname: null, givenName: null, profession: 'Carte de service santé ou social', rdnOrder: ['CN'],
    organisation: { name: DEMO_ESTABLISHMENT.name, structureId: DEMO_ESTABLISHMENT.finess, departement: DEMO_ESTABLISHMENT.departement },
    pseudonym: 'EMPLOYE000000018',
  },
  {
    ...CPS_DEFAULTS, name: 'cpa', description: 'CPA, personnel autorisé (SIRET/identifiant interne)',
    cardType: 'CPA', cardNumber: '2801000065', nationalId: DEMO_COMPANY.nationalId,
    surname: 'ROUX', givenName: 'JULIEN', profession: 'Personnel autorisé',
    organisation: { name: DEMO_COMPANY.name, structureId: DEMO_COMPANY.siret, departement: DEMO_COMPANY.departement },
    pseudonym: `EMPLOYE${DEMO_COMPANY.internalId}`,
  },
  {
    ...CPS_DEFAULTS, name: 'cpf', description: 'CPF, professionnel en formation (interne en médecine)',
    cardType: 'CPF', cardNumber: '2801000073', nationalId: '899700023452', surname: 'MOREAU', givenName: 'ANTOINE',
    profession: 'Médecin',
  },
  {
    ...CPS_DEFAULTS, name: 'expired', description: "CPS dont les certificats ont expiré",
    cardNumber: '2801000081', nationalId: '899700034566', surname: 'FOURNIER', givenName: 'MARC', profession: 'Médecin',
    validity: 'expired',
  },
  {
    ...CPS_DEFAULTS, name: 'revoked', description: 'CPS dont les certificats sont révoqués (liste de révocation de test)',
    cardNumber: '2801000099', nationalId: '899700045679', surname: 'GIRARD', givenName: 'SOPHIE', profession: 'Médecin',
    revoked: true,
  },
  {
    ...CPS_DEFAULTS, name: 'sign-only', description: "Carte sans certificat d'authentification (signature seulement)",
    cardNumber: '2801000107', nationalId: '899700056783', surname: 'ANDRE', givenName: 'PIERRE', profession: 'Médecin',
    authentication: false,
  },
  {
    ...CPS_DEFAULTS, name: 'cps-accents', description: 'CPS, nom et prénom accentués et composés',
    cardNumber: '2801000115', nationalId: '899700067897', surname: 'DUPONT-LÉGER', givenName: 'HÉLÈNE-ÉLODIE',
    profession: 'Médecin',
  },
  {
    ...CPS_DEFAULTS, name: 'cps-expiring', description: "CPS dont le certificat d'authentification expire dans une dizaine de jours",
    cardNumber: '2801000123', nationalId: '899700078902', surname: 'LAMBERT', givenName: 'JULIE', profession: 'Médecin',
    validity: 'expiring',
  },
  {
    ...CPS_DEFAULTS, name: 'cps-infirmier', description: 'CPS, infirmier (profession autre que médecin)',
    cardNumber: '2801000131', nationalId: '899700089016', surname: 'MERCIER', givenName: 'CAMILLE', profession: 'Infirmier',
  },
  {
    ...CPS_DEFAULTS, name: 'cps4', description: 'CPS4 (puce NXP, RSA-PSS proposé), médecin',
    generation: 'CPS4', cardNumber: '2801000149', nationalId: '899700090121', surname: 'ROUSSEAU', givenName: 'CLAIRE',
    profession: 'Médecin',
  },
];

export const PROFILES: Readonly<Record<string, CardProfile>> = Object.freeze(
  Object.fromEntries(PROFILE_LIST.map((p) => [p.name, Object.freeze(p)])),
);

export const PROFILE_NAMES: readonly string[] = Object.freeze(PROFILE_LIST.map((p) => p.name));

/** The profile, or an Error whose message lists the valid names (the cards CLI shows it as is). */
export function getProfile(name: string): CardProfile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!profile) {
    throw new Error(`Profil de carte inconnu / unknown card profile: "${name}". Profils : ${PROFILE_NAMES.join(', ')}`);
  }
  return profile;
}

const LABEL_PREFIX: Record<CardGeneration, string> = { CPS3: 'CPS3v3', CPS4: 'CPS4v1' };

/** Token label as Cryptolib CPS presents the card (space-padded to 32 by PKCS#11). */
export function tokenLabel(profile: CardProfile): string {
  return `${LABEL_PREFIX[profile.generation]}-${profile.cardNumber}`;
}
