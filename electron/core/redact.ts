// Redaction by construction: everything the app writes for support (log lines, the diagnostic report) passes
// through here. Three layers, so one slip in a caller is not enough to leak a secret:
//   1. by name — a field whose name contains a secret word (pin, password, token, session, authorization…) is dropped
//      whatever its value, at any depth;
//   2. by shape — strings that look like secrets are masked: `Bearer …`, `password=…`, long base64/hex blobs (sessions,
//      nonces, tokens), and lone runs of as many digits as a PIN has (protocol/pin.ts); bytes are never written, only their length;
//   3. by value — while an operation holds a secret the user typed (a password), the caller registers it and any
//      occurrence is masked; it is forgotten when the operation ends.

import { PIN_MAX, PIN_MIN } from '../../protocol/pin.ts';

const SECRET_WORDS = new Set([
  'pin', 'pins', 'puk', 'password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'tokens', 'session', 'sessions',
  'authorization', 'authorisation', 'auth', 'cookie', 'cookies', 'credential', 'credentials', 'bearer', 'nonce', 'otp',
  'signature', 'privatekey', 'apikey',
]);

/** `userPin`, `PIN`, `x-auth-token`, `session_id`, `newPassword` → true; `pinpad`, `mapping`, `cardNumber` → false. */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SECRET_WORDS.has(w)) || SECRET_WORDS.has(words.join(''));
}

export const MASK = '[redacted]';
const MAX_STRING = 2000;
const MAX_ITEMS = 50;
const MAX_DEPTH = 6;

type Replacement = string | ((match: string) => string);
const SHAPES: [RegExp, Replacement][] = [
  // "Authorization: Bearer abc", "bearer abc"
  [/\b(bearer|basic)\s+[^\s"',;]+/gi, `$1 ${MASK}`],
  // "password=xyz", "pin: 1234", "token=…" inside free text
  [/\b(pin|puk|pass(?:word|wd|phrase)?|pwd|secret|token|session|otp|nonce)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi, `$1$2${MASK}`],
  // long base64 / base64url / hex runs: sessions, nonces, tokens, signatures (see looksRandom: not file paths)
  [/[A-Za-z0-9+/_-]{32,}={0,2}/g, (run: string) => (looksRandom(run) ? MASK : run)],
  // a lone run of PIN_MIN to PIN_MAX digits is what a PIN looks like; dates (2026-01-31), times, ports (:8080),
  // versions, decimals and longer identifiers (10-digit card numbers, 11-digit RPPS) are left alone by the boundaries.
  [new RegExp(String.raw`(?<![\w\-:./+])\d{${PIN_MIN},${PIN_MAX}}(?![\w\-:./])`, 'g'), MASK],
];

/**
 * Random material (base64 of random bytes, hex digests) mixes cases and digits or is pure hex; a long run of path
 * characters such as `/usr/lib/x86_64-linux-gnu/opensc-pkcs11` is lower-case words and stays readable. An absolute
 * path is judged folder by folder, so `/opt/santesocial/CPS/lib/libcps3_pkcs11_lux` (the module support must see)
 * stays readable while a random folder name in it is still masked; base64 that happens to start with `/` and hold
 * several more is caught by its segments, which mix cases and digits.
 */
function looksRandom(run: string): boolean {
  const body = run.replace(/=+$/, '');
  if (/^\/[^/]+\/[^/]+\//.test(body)) return body.split('/').some((segment) => segment.length >= 6 && looksRandom(segment));
  if (/^[0-9a-fA-F]+$/.test(body)) return body.length >= 16;
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /\d/.test(body);
}

export class Redactor {
  readonly #held = new Set<string>();

  /**
   * Masks `secret` wherever it appears until the returned function is called. Used for the duration of one
   * request only: nothing is kept once it ends. Very short values are ignored (they would mask everything).
   */
  hold(secret: string): () => void {
    if (secret.length < 4) return () => {};
    this.#held.add(secret);
    return () => { this.#held.delete(secret); };
  }

  string(s: string): string {
    let out = s.length > MAX_STRING ? s.slice(0, MAX_STRING) + '…' : s;
    for (const secret of this.#held) out = out.split(secret).join(MASK);
    for (const [re, replacement] of SHAPES) {
      out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement);
    }
    return out;
  }

  /** A JSON-safe copy of `value` with secrets removed by name, shape and value. */
  value(value: unknown, depth = 0): unknown {
    if (value === null || value === undefined) return value ?? null;
    if (typeof value === 'string') return this.string(value);
    if (typeof value === 'number' || typeof value === 'boolean') return value;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (depth >= MAX_DEPTH) return '[…]';
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown };
      return this.value({ name: e.name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: e.message }, depth + 1);
    }
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((v) => this.value(v, depth + 1));
      return value.length > MAX_ITEMS ? [...items, `[+${value.length - MAX_ITEMS} more]`] : items;
    }
    if (value instanceof Map) return this.value(Object.fromEntries(value), depth);
    if (value instanceof Set) return this.value([...value], depth);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (isSecretKey(k)) continue;
      const r = this.value(v, depth + 1);
      if (r !== undefined) out[this.string(k)] = r;
    }
    return out;
  }
}
