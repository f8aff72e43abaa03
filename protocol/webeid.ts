// The Web eID authentication token (format web-eid:1.x) as both halves see it: the card layer builds one,
// the validator checks one. Runs everywhere (Node, Electron, browser): no Node built-ins.
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { WebEidToken } from './card.ts';

export const WEB_EID_FORMAT = 'web-eid:1.0';
/** Validators accept any 1.x format (domain.md). */
export const WEB_EID_FORMAT_PREFIX = 'web-eid:1';
/** Token size bounds in characters of its JSON text (Web eID rule). */
export const TOKEN_MIN_LENGTH = 100;
export const TOKEN_MAX_LENGTH = 10_000;

export type TokenAlgorithm = WebEidToken['algorithm'];
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface AlgorithmSpec {
  /** RSA = PKCS#1 v1.5, RSA-PSS = PSS with salt = hash length, EC = ECDSA with raw R||S. */
  family: 'RSA' | 'RSA-PSS' | 'EC';
  hash: HashName;
  /** Hash length in bytes (also the PSS salt length). */
  hashLength: number;
  /** ES*: the only curve the algorithm may be used with, and the byte length of R (and of S). */
  curve?: 'P-256' | 'P-384' | 'P-521';
  coordinateLength?: number;
}

export const TOKEN_ALGORITHMS: Readonly<Record<TokenAlgorithm, AlgorithmSpec>> = Object.freeze({
  RS256: { family: 'RSA', hash: 'SHA-256', hashLength: 32 },
  RS384: { family: 'RSA', hash: 'SHA-384', hashLength: 48 },
  RS512: { family: 'RSA', hash: 'SHA-512', hashLength: 64 },
  PS256: { family: 'RSA-PSS', hash: 'SHA-256', hashLength: 32 },
  PS384: { family: 'RSA-PSS', hash: 'SHA-384', hashLength: 48 },
  PS512: { family: 'RSA-PSS', hash: 'SHA-512', hashLength: 64 },
  ES256: { family: 'EC', hash: 'SHA-256', hashLength: 32, curve: 'P-256', coordinateLength: 32 },
  ES384: { family: 'EC', hash: 'SHA-384', hashLength: 48, curve: 'P-384', coordinateLength: 48 },
  ES512: { family: 'EC', hash: 'SHA-512', hashLength: 64, curve: 'P-521', coordinateLength: 66 },
});

export function isTokenAlgorithm(value: unknown): value is TokenAlgorithm {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TOKEN_ALGORITHMS, value);
}

/**
 * Shape only: the four fields a validator needs are strings (appVersion may be absent: it is informative).
 * Says nothing about whether the values make sense; unknown fields are allowed (Web eID rule).
 */
export function isWebEidTokenShape(value: unknown): value is WebEidToken {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const t = value as Record<string, unknown>;
  return typeof t.unverifiedCertificate === 'string' && typeof t.algorithm === 'string'
    && typeof t.signature === 'string' && typeof t.format === 'string'
    && (t.appVersion === undefined || typeof t.appVersion === 'string');
}

const encoder = new TextEncoder();
const HASHES = { 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

/**
 * The message the card signs and the validator checks: H(origin) || H(nonce), H being the token algorithm's hash
 * (SHA-256 for the RS256 tokens CPx cards produce, SHA-384 for an ES384 Web eID token), as the Web eID validators do.
 * Synchronous, so the card layer and the service use this one definition.
 */
export function authSignedData(origin: string, nonce: string, hash: HashName = 'SHA-256'): Uint8Array {
  const h = HASHES[hash];
  const o = h(encoder.encode(origin));
  const out = new Uint8Array(o.length * 2);
  out.set(o, 0);
  out.set(h(encoder.encode(nonce)), o.length);
  return out;
}

// ---- base64 (strict: Buffer.from(…, 'base64') silently skips garbage, which a validator must not do) ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 with canonical padding; null when the text is not exactly that. */
export function base64ToBytes(text: string): Uint8Array | null {
  const len = text.length;
  if (len === 0 || len % 4 !== 0) return len === 0 ? new Uint8Array(0) : null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((len / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const last = i + 4 === len;
    const a = idx(text, i), b = idx(text, i + 1);
    const c = last && pad === 2 ? 0 : idx(text, i + 2);
    const d = last && pad >= 1 ? 0 : idx(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
    // Non-canonical encodings (stray low bits before the padding) are refused: one token, one encoding.
    if (last && ((pad === 2 && (v & 0xffff) !== 0) || (pad === 1 && (v & 0xff) !== 0))) return null;
  }
  return out;
}

function idx(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? B64_INDEX[code]! : -1;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += B64[v >> 18]! + B64[(v >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + '=';
  }
  return out;
}

/** Every certificate in a PEM text (other blocks ignored), as DER. */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const der = base64ToBytes(m[1]!.replace(/\s+/g, ''));
    if (der && der.length) out.push(der);
  }
  return out;
}
