// Finding which challenge a token answers when the client did not say (the contract's `{token, username,
// password}` carries no nonce). The token signs hash(origin) || hash(nonce), so:
//  - RS256 (every CPx card): one RSA public operation on the signature gives back the signed SHA-256 digest,
//    which the nonce table indexes (nonces.digest): an O(1) lookup, whatever the number of outstanding nonces;
//  - other algorithms (PS*, ES*, RS384/512) cannot be inverted: the few nonces recently issued to the same
//    client address are tried instead (bounded), each with a plain signature check.
// Either way the full validator then runs with the nonce found; this module only narrows the search and
// never decides validity by itself.
import { X509Certificate, constants, publicDecrypt, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { authSignedData, type HashName } from '../protocol/webeid.ts';

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface ParsedToken { algorithm: string; signature: Buffer; key: KeyObject }

// Decoding a certificate costs far more than the RSA operation: keep the public keys of recently seen ones
// (a card logs in many times with the same certificate). Looked up by the end of the base64 text (the CA's
// signature: distinct for every certificate, and short to hash), then confirmed on the whole text. Bounded.
const KEY_CACHE_SIZE = 1000;
const keys = new Map<string, { b64: string; key: KeyObject }>();
function publicKeyOf(certificateB64: string): KeyObject {
  const tag = certificateB64.slice(-48);
  const hit = keys.get(tag);
  if (hit && hit.b64 === certificateB64) return hit.key;
  const key = new X509Certificate(Buffer.from(certificateB64, 'base64')).publicKey;
  if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
  keys.set(tag, { b64: certificateB64, key });
  return key;
}

/** The parts needed to test signatures; null when the token is not even shaped right (the validator will say why). */
export function parseForRecovery(token: unknown): ParsedToken | null {
  try {
    const t = (typeof token === 'string' ? JSON.parse(token) : token) as Record<string, unknown>;
    if (!t || typeof t !== 'object') return null;
    const { algorithm, signature, unverifiedCertificate } = t;
    if (typeof algorithm !== 'string' || typeof signature !== 'string' || typeof unverifiedCertificate !== 'string') return null;
    return { algorithm, signature: Buffer.from(signature, 'base64'), key: publicKeyOf(unverifiedCertificate) };
  } catch {
    return null;
  }
}

/** For an RS256 token: the SHA-256 digest its signature carries, hex; null otherwise. */
export function recoverRs256Digest(t: ParsedToken): string | null {
  if (t.algorithm !== 'RS256' || t.key.asymmetricKeyType !== 'rsa') return null;
  try {
    // PKCS#1 v1.5 type-1 unpadding is what OpenSSL's public "decrypt" does: it leaves the DigestInfo.
    const digestInfo = publicDecrypt({ key: t.key, padding: constants.RSA_PKCS1_PADDING }, t.signature);
    if (digestInfo.length !== SHA256_DIGEST_INFO.length + 32 || !digestInfo.subarray(0, SHA256_DIGEST_INFO.length).equals(SHA256_DIGEST_INFO)) return null;
    return digestInfo.subarray(SHA256_DIGEST_INFO.length).toString('hex');
  } catch {
    return null;
  }
}

/** Token algorithm suffix → the signed message's hash, and the name node:crypto knows it by. */
const HASHES: Record<string, [HashName, string]> = { '256': ['SHA-256', 'sha256'], '384': ['SHA-384', 'sha384'], '512': ['SHA-512', 'sha512'] };

/** Does the signature verify over (origin, nonce)? False for anything malformed or unsupported. */
export function signatureMatches(t: ParsedToken, origin: string, nonce: string): boolean {
  const family = t.algorithm.slice(0, 2);
  const [messageHash, hash] = HASHES[t.algorithm.slice(2)] ?? [];
  if (!messageHash || !hash) return false;
  const message = authSignedData(origin, nonce, messageHash);
  try {
    if (family === 'RS') return verify(hash, message, { key: t.key, padding: constants.RSA_PKCS1_PADDING }, t.signature);
    if (family === 'PS') {
      return verify(hash, message, { key: t.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, t.signature);
    }
    if (family === 'ES') return verify(hash, message, { key: t.key, dsaEncoding: 'ieee-p1363' }, t.signature);
  } catch {
    return false;
  }
  return false;
}
