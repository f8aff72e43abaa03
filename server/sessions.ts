// Sessions: an opaque random value for the client, only its hash in the database, with an expiry. The app's
// sessions (Bearer, from a card login) and the browser's (cookie) share the table, told apart by `kind` so
// that neither value opens the other door.
import { SESSION_TTL_MS } from './lifetimes.ts';
import { newSecret } from './secrets.ts';

export interface NewSession { value: string; hash: string; expiresAt: Date }

export function newSession(now: Date, ttlMs = SESSION_TTL_MS): NewSession {
  return { ...newSecret(), expiresAt: new Date(now.getTime() + ttlMs) };
}
