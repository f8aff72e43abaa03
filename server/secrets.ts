// Every opaque value the service hands out (sessions, link tickets, transactions, browser codes, the browser's
// transaction secret): 32 random bytes in base64url, and only their SHA-256 in the database, so that a copy of
// the database opens nothing.
import { createHash, randomBytes } from 'node:crypto';

export interface Secret { value: string; hash: string }

export function newSecret(): Secret {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: secretHash(value) };
}

export function secretHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
