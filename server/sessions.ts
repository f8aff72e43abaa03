// Sessions: an opaque random value for the client, only its SHA-256 in the database, with an expiry.
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_TTL_MS = 8 * 60 * 60_000;

export interface NewSession { value: string; hash: string; expiresAt: Date }

export function newSession(now: Date, ttlMs = SESSION_TTL_MS): NewSession {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: sessionHash(value), expiresAt: new Date(now.getTime() + ttlMs) };
}

export function sessionHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
