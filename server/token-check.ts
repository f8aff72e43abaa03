// From a posted token and the nonce it names to a validated card holder: consume that one nonce (single use,
// scoped to a login transaction or not), then run the full validator against it. No search: a request costs at
// most one signature verification.
import type { NonceScope, NonceStore } from './nonces.ts';
import type { TokenValidatorPort, ValidatedToken } from './validator-port.ts';

export class TokenCheck {
  constructor(private readonly validator: TokenValidatorPort, private readonly nonces: NonceStore, private readonly origin: string) {}

  async check(token: unknown, nonce: string, scope: NonceScope = null): Promise<ValidatedToken> {
    const taken = await this.nonces.consume(nonce, scope);
    return await this.validator.validate(token, { origin: this.origin, nonce: taken });
  }
}
