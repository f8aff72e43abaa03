// What the service needs from the token validator (server/validator/): `validate` (the key and the chain are
// checked before the signature, inside it). The service can also be given a validator built elsewhere (tests, an
// operator's own).
import type { ValidatedToken } from './validator/index.ts';

export type { ValidatedToken };

export interface TokenValidatorPort {
  validate(token: unknown, expected: { origin: string; nonce: string }): Promise<ValidatedToken>;
}
