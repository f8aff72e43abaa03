// The two values a service hands the card before it signs: its origin and a nonce. Checked the same way by the
// card layer (before touching the card), the app, and the validator, because the signature covers these exact
// strings: two spellings of one origin would make a valid token fail.
import { CpxError } from './errors.ts';

const MAX_ORIGIN_LENGTH = 512;
// scheme://authority and nothing else: no path (not even "/"), query, fragment, userinfo, whitespace or backslash
// (the URL parser would quietly repair those, and the user would sign something other than what they were shown).
const ORIGIN_SHAPE = /^(https?):\/\/([^/?#@\\\s]+)$/i;

/**
 * `https://host[:port]`, host in lowercase ASCII (IDN → punycode), default port dropped. Plain `http://` only for
 * loopback (127.0.0.0/8, localhost, [::1]). Returns the normalised origin or throws INVALID_ORIGIN.
 */
export function checkOrigin(origin: unknown): string {
  const shown = typeof origin === 'string' ? origin.slice(0, 100) : typeof origin;
  const fail = () => new CpxError('INVALID_ORIGIN', { detail: shown });
  if (typeof origin !== 'string' || origin.length > MAX_ORIGIN_LENGTH) throw fail();
  if (/[\u0000-\u001f\u007f]/.test(origin)) throw fail();
  const m = ORIGIN_SHAPE.exec(origin);
  if (!m) throw fail();
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw fail();
  }
  const scheme = url.protocol;
  if (scheme !== 'https:' && scheme !== 'http:') throw fail();
  if (url.username || url.password || !url.hostname) throw fail();
  if (url.pathname !== '/' || url.search || url.hash) throw fail();
  if (scheme === 'http:' && !isLoopback(url.hostname)) throw fail();
  // A port written as ":" alone or with leading zeros is normalised by the parser; an explicit empty port is not an origin.
  if (m[2]!.endsWith(':')) throw fail();
  return `${scheme}//${url.host}`;
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h === '[::1]') return true;
  // The URL parser has already turned "127.1" and friends into dotted quads.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A server nonce: 44 to 128 base64 (or base64url) characters (the service's request schemas use the same rule). */
export const NONCE_SHAPE = /^[A-Za-z0-9+/_-]+={0,2}$/;
export const NONCE_MIN_LENGTH = 44;
export const NONCE_MAX_LENGTH = 128;

/** A server nonce: 44 to 128 base64 (or base64url) characters. Returns it unchanged or throws INVALID_NONCE. */
export function checkNonce(nonce: unknown): string {
  if (typeof nonce !== 'string' || nonce.length < NONCE_MIN_LENGTH || nonce.length > NONCE_MAX_LENGTH || !NONCE_SHAPE.test(nonce)) {
    throw new CpxError('INVALID_NONCE');
  }
  return nonce;
}
