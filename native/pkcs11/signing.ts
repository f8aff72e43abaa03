// How the authentication key signs the Web eID message: CKM_SHA256_RSA_PKCS when the token offers it, else
// CKM_RSA_PKCS over DigestInfo(SHA-256) — the same PKCS#1 v1.5 signature, hashed on our side.

import { createHash } from 'node:crypto';

export const CKM_RSA_PKCS = 0x1;
export const CKM_SHA256_RSA_PKCS = 0x40;

/** DER of DigestInfo { AlgorithmIdentifier sha256 NULL, OCTET STRING (32) }, to which the hash is appended. */
export const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export interface SigningPlan {
  mechanism: typeof CKM_RSA_PKCS | typeof CKM_SHA256_RSA_PKCS;
  /** What C_Sign receives. */
  input: Buffer;
}

/** Null when the token offers neither RSA mechanism. */
export function planSignature(mechanisms: readonly number[], message: Uint8Array): SigningPlan | null {
  if (mechanisms.includes(CKM_SHA256_RSA_PKCS)) return { mechanism: CKM_SHA256_RSA_PKCS, input: Buffer.from(message) };
  if (mechanisms.includes(CKM_RSA_PKCS)) {
    const hash = createHash('sha256').update(message).digest();
    return { mechanism: CKM_RSA_PKCS, input: Buffer.concat([SHA256_DIGEST_INFO_PREFIX, hash]) };
  }
  return null;
}
