// From a posted token to a validated card holder: find and consume the challenge it answers (explicit
// `nonce` field, or recovered from the signature, see nonce-recovery.ts), then run the full validator.
import { randomBytes } from 'node:crypto';
import { CpxError } from '../protocol/errors.ts';
import type { NonceStore } from './nonces.ts';
import { parseForRecovery, recoverRs256Digest, signatureMatches } from './nonce-recovery.ts';
import type { TokenValidatorPort, ValidatedToken } from './validator-port.ts';

/** How many recent nonces of one client address are tried for tokens whose signature cannot be inverted. */
const MAX_CANDIDATES = 32;

export class TokenCheck {
  constructor(private readonly validator: TokenValidatorPort, private readonly nonces: NonceStore, private readonly origin: string) {}

  async check(token: unknown, client: string, explicitNonce?: string): Promise<ValidatedToken> {
    const nonce = explicitNonce !== undefined ? await this.nonces.consume(explicitNonce) : await this.recover(token, client);
    if (nonce === null) return await this.explainUnmatched(token);
    return await this.validator.validate(token, { origin: this.origin, nonce });
  }

  private async recover(token: unknown, client: string): Promise<string | null> {
    // Recovery uses the certificate's key (up to MAX_CANDIDATES times): only once the key and the chain are trusted.
    await this.validator.checkCertificate(token);
    const parsed = parseForRecovery(token);
    if (!parsed) return null;
    const digest = recoverRs256Digest(parsed);
    // An RS256 digest names exactly one message: when it is not in the table there is nothing else to try.
    if (digest !== null) return await this.nonces.consumeByDigest(digest);
    for (const candidate of await this.nonces.outstandingFor(client, MAX_CANDIDATES)) {
      if (signatureMatches(parsed, this.origin, candidate)) return await this.nonces.consume(candidate);
    }
    return null;
  }

  /**
   * The token answers no outstanding challenge. Run the validator against a nonce never issued so that a
   * token with a bad certificate still gets its precise code (Web eID order: certificate checks before the
   * signature); a token that is fine but for the signature is a replayed or unknown challenge.
   */
  private async explainUnmatched(token: unknown): Promise<never> {
    try {
      await this.validator.validate(token, { origin: this.origin, nonce: randomBytes(32).toString('base64') });
    } catch (err) {
      if (!(err instanceof CpxError) || err.code !== 'TOKEN_SIGNATURE_INVALID') throw err;
    }
    throw new CpxError('NONCE_UNKNOWN');
  }
}
