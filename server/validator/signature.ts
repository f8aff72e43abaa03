// The last check of the Web eID order: the token's signature over H(origin) || H(nonce) with the key of the
// certificate, the algorithm matching the key (RS* and PS* on RSA ≥ 2048 bits, ES256/384/512 on P-256/384/521).
import * as nodeCrypto from 'node:crypto';
import { constants, createHash, verify, type KeyObject } from 'node:crypto';
import { because, CpxError } from '../../protocol/errors.ts';
import { TOKEN_ALGORITHMS, isTokenAlgorithm, type AlgorithmSpec } from '../../protocol/webeid.ts';

export interface KeyInfo {
  key: KeyObject;
  type: string;
  /** OpenSSL curve name for EC keys. */
  curve: string | null;
  bits: number | null;
}

export function keyInfo(key: KeyObject): KeyInfo {
  const d = key.asymmetricKeyDetails ?? {};
  return { key, type: key.asymmetricKeyType ?? 'unknown', curve: d.namedCurve ?? null, bits: d.modulusLength ?? null };
}

const CURVE_NAMES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const NODE_HASH: Record<AlgorithmSpec['hash'], string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const MIN_RSA_BITS = 2048;

// The signed message is protocol/webeid.ts authSignedData's H(origin) || H(nonce); computed here with OpenSSL's
// one-shot crypto.hash (Node ≥ 20.12, a third cheaper than createHash) because this is the validator's hot path.
// Tokens made with authSignedData (the card layer's) validating is what keeps the two in step.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;
const digest = (alg: string, data: string): Buffer => oneShot ? oneShot(alg, data, 'buffer') : createHash(alg).update(data).digest();

function keyFits(spec: AlgorithmSpec, k: KeyInfo): boolean {
  switch (spec.family) {
    case 'RSA': return k.type === 'rsa' && (k.bits ?? 0) >= MIN_RSA_BITS;
    case 'RSA-PSS': return (k.type === 'rsa' || k.type === 'rsa-pss') && (k.bits ?? 0) >= MIN_RSA_BITS;
    case 'EC': return k.type === 'ec' && k.curve === CURVE_NAMES[spec.curve!];
  }
}

export class TokenSignatureChecker {
  /** H(origin) per hash: the service's origin rarely changes. Bounded in case callers pass many. */
  readonly #originHashes = new Map<string, Buffer>();

  verify(algorithm: string, signature: Uint8Array, k: KeyInfo, origin: string, nonce: string): void {
    if (!isTokenAlgorithm(algorithm)) throw new CpxError('TOKEN_ALGORITHM_UNSUPPORTED', { detail: algorithm.slice(0, 20) });
    const spec = TOKEN_ALGORITHMS[algorithm];
    if (!keyFits(spec, k)) {
      const key = k.type === 'ec' ? `EC ${k.curve}` : `${k.type.toUpperCase()} ${k.bits ?? '?'} bits`;
      throw new CpxError('TOKEN_ALGORITHM_UNSUPPORTED', because('ALGORITHM_KEY_MISMATCH', { algorithm, key }));
    }
    if (spec.family === 'EC' && signature.length !== 2 * spec.coordinateLength!) {
      throw new CpxError('TOKEN_SIGNATURE_INVALID');
    }
    const hash = NODE_HASH[spec.hash];
    const data = Buffer.concat([this.#originHash(hash, origin), digest(hash, nonce)]);
    let ok = false;
    try {
      ok = spec.family === 'RSA' ? verify(hash, data, k.key, signature)
        : spec.family === 'RSA-PSS' ? verify(hash, data, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashLength }, signature)
        : verify(hash, data, { key: k.key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      ok = false;
    }
    if (!ok) throw new CpxError('TOKEN_SIGNATURE_INVALID');
  }

  #originHash(hash: string, origin: string): Buffer {
    const id = `${hash} ${origin}`;
    let h = this.#originHashes.get(id);
    if (!h) {
      if (this.#originHashes.size >= 64) this.#originHashes.clear();
      h = digest(hash, origin);
      this.#originHashes.set(id, h);
    }
    return h;
  }
}
