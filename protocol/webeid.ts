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
