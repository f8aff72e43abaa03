// What the service needs from the token validator (server/validator/, H3): the brief's TokenValidator
// contract, restated structurally so the service can also be given a validator built elsewhere.
import type { CardType, Holder } from '../protocol/card.ts';

export interface ValidatedToken {
  holder: Holder;
  cardType: CardType;
  cardTypeInferred: boolean;
  certificateDer: Uint8Array;
  /** SHA-256 of the certificate DER, hex. */
  fingerprint: string;
  notAfter: string;
  subject: string;
  issuer: string;
  serialNumber: string;
}

export interface TokenValidatorPort {
  validate(token: unknown, expected: { origin: string; nonce: string }): Promise<ValidatedToken>;
}
