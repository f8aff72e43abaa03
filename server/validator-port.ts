// What the service needs from the token validator (server/validator/): `validate`, and `checkCertificate` (every
// check but the signature) so that nothing uses a certificate's key before it is trusted. The service can also be
// given a validator built elsewhere (tests, an operator's own).
import type { ValidatedToken } from './validator/index.ts';

export type { ValidatedToken };

export interface TokenValidatorPort {
  validate(token: unknown, expected: { origin: string; nonce: string }): Promise<ValidatedToken>;
  checkCertificate(token: unknown): Promise<void>;
}
