// What the service keeps of a verified card authentication: the holder as the certificate names them and the
// certificate details a link records. Taken from the validator's result only, never from the client, so that a
// link ticket can finish "Première connexion" later with exactly what was verified.
import type { VerifiedHolder } from '../protocol/account.ts';
import type { ValidatedToken } from './validator-port.ts';

export interface CardIdentity {
  holder: VerifiedHolder;
  /** SHA-256 of the certificate, hex. */
  fingerprint: string;
  serialNumber: string;
  /** Certificate expiry, ISO. */
  notAfter: string;
}

export function cardIdentity(v: ValidatedToken): CardIdentity {
  const { surname, givenName, profession, nationalId } = v.holder;
  return {
    holder: { surname, givenName, profession, cardType: v.cardType, nationalId: { type: nationalId.type, id: nationalId.id, raw: nationalId.raw } },
    fingerprint: v.fingerprint, serialNumber: v.serialNumber, notAfter: v.notAfter,
  };
}

const isDoctor = (profession: string | null) =>
  !!profession && profession.normalize('NFD').replace(/\p{Diacritic}/gu, '').trim().toLowerCase().startsWith('medecin');

/** "Espace médecin libéral" is for a doctor holding a CPS. */
export function independentDoctorAllowed(holder: Pick<VerifiedHolder, 'cardType' | 'profession'>): boolean {
  return holder.cardType === 'CPS' && isDoctor(holder.profession);
}
