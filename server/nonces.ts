// Challenge nonces: 32 random bytes in base64, single use, five minutes. Consuming one is a single
// DELETE … RETURNING, so two requests carrying the same nonce can never both get it.
import { createHash, randomBytes } from 'node:crypto';
import { CpxError } from '../protocol/errors.ts';
import type { Challenge } from '../protocol/account.ts';
import { authSignedData } from '../protocol/webeid.ts';
import { Batcher } from './batcher.ts';
import type { Db } from './db/index.ts';

export const NONCE_TTL_MS = 5 * 60_000;
/** Expired nonces are kept this long after expiry so a late token gets NONCE_EXPIRED rather than NONCE_UNKNOWN. */
const KEEP_EXPIRED_MS = 60 * 60_000;


/** SHA-256 of the RS256/PS256 signed message, hex: what an RS256 signature's DigestInfo carries. */
export function nonceDigest(origin: string, nonce: string): string {
  return createHash('sha256').update(authSignedData(origin, nonce, 'SHA-256')).digest('hex');
}

type Taken = { nonce: string; expires_at: Date } | undefined;

export class NonceStore {
  private readonly issuer: Batcher<string, Challenge>;
  private readonly byDigest: Batcher<string, Taken>;
  private readonly byNonce: Batcher<string, Taken>;

  constructor(private readonly db: Db, private readonly origin: string, private readonly clock: () => Date) {
    this.issuer = new Batcher((clients) => this.issueBatch(clients));
    this.byDigest = new Batcher((digests) => this.takeBatch('digest', digests));
    this.byNonce = new Batcher((nonces) => this.takeBatch('nonce', nonces));
  }

  /** Issues a nonce and records the challenge event in the audit log (concurrent challenges share one statement). */
  async issue(client: string): Promise<Challenge> {
    return await this.issuer.call(client);
  }

  private async issueBatch(clients: string[]): Promise<Challenge[]> {
    const random = randomBytes(32 * clients.length);
    const nonces = clients.map((_, i) => random.subarray(32 * i, 32 * (i + 1)).toString('base64'));
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + NONCE_TTL_MS);
    await this.db.query(
      `WITH n AS (INSERT INTO nonces (nonce, digest, client, issued_at, expires_at)
         SELECT u.nonce, u.digest, u.client, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(nonce, digest, client)
         RETURNING client)
       INSERT INTO audit_log (at, event, outcome, client) SELECT $4, 'challenge', 'ok', client FROM n`,
      [nonces, nonces.map((n) => nonceDigest(this.origin, n)), clients, now, expiresAt]);
    return nonces.map((nonce) => ({ nonce, expiresAt: expiresAt.toISOString() }));
  }

  /** One DELETE for a batch of keys; a key asked twice in the batch goes to its first asker only. */
  private async takeBatch(column: 'digest' | 'nonce', keys: string[]): Promise<Taken[]> {
    const rows = await this.db.query<{ digest: string; nonce: string; expires_at: Date }>(
      `DELETE FROM nonces WHERE ${column} = ANY($1::text[]) RETURNING digest, nonce, expires_at`, [[...new Set(keys)]]);
    const found = new Map(rows.map((r) => [r[column], r]));
    return keys.map((k) => {
      const row = found.get(k);
      found.delete(k);
      return row;
    });
  }

  /** Takes the nonce out of the store; throws NONCE_UNKNOWN (never issued, or already used) or NONCE_EXPIRED. */
  async consume(nonce: string): Promise<string> {
    return this.checkTaken(await this.byNonce.call(nonce));
  }

  /** Same as consume(), finding the nonce by the digest an RS256 signature recovered; null when none matches. */
  async consumeByDigest(digestHex: string): Promise<string | null> {
    const row = await this.byDigest.call(digestHex);
    return row ? this.checkTaken(row) : null;
  }

  /** Unexpired nonces recently issued to this client address, newest first. */
  async outstandingFor(client: string, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ nonce: string }>(
      'SELECT nonce FROM nonces WHERE client = $1 AND expires_at > $2 ORDER BY issued_at DESC LIMIT $3',
      [client, this.clock(), limit]);
    return rows.map((r) => r.nonce);
  }

  async purgeExpired(): Promise<void> {
    await this.db.query('DELETE FROM nonces WHERE expires_at < $1', [new Date(this.clock().getTime() - KEEP_EXPIRED_MS)]);
  }

  private checkTaken(row: { nonce: string; expires_at: Date } | undefined): string {
    if (!row) throw new CpxError('NONCE_UNKNOWN');
    if (new Date(row.expires_at).getTime() <= this.clock().getTime()) throw new CpxError('NONCE_EXPIRED');
    return row.nonce;
  }
}
