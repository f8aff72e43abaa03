// The certificate's public key, accepted or not before anything uses it (keyProblem), and the last check of the
// Web eID order: the token's signature over H(origin) || H(nonce) with that key, the algorithm matching the key
// (RS* and PS* on RSA, ES256/384/512 on P-256/384/521).
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
  /** RSA public exponent. */
  exponent: bigint | null;
}

export function keyInfo(key: KeyObject): KeyInfo {
  const d = key.asymmetricKeyDetails ?? {};
  return { key, type: key.asymmetricKeyType ?? 'unknown', curve: d.namedCurve ?? null, bits: d.modulusLength ?? null, exponent: d.publicExponent ?? null };
}

const CURVE_NAMES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const NODE_HASH: Record<AlgorithmSpec['hash'], string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * The keys authentication cards have. Bounded on purpose: OpenSSL accepts any public exponent under a 3072-bit
 * modulus, and one made ~3070 bits long makes every public-key operation cost as much as a private one (~5 ms,
 * the audit's flood); RSA over 4096 bits is slow for nothing. e = 65537 is what every card and CA issues.
 */
const RSA_BITS = { min: 2048, max: 4096 };
const RSA_EXPONENT = 65537n;
/** The curves of the Web eID algorithms (ES256/384/512), in OpenSSL's names. */
const CARD_CURVES: ReadonlySet<string> = new Set(Object.values(TOKEN_ALGORITHMS).flatMap((a) => a.curve ? [CURVE_NAMES[a.curve]!] : []));

/** Why this key is not one an authentication card has (CERT_KEY_UNSUPPORTED's detail), or null when it is. */
export function keyProblem(k: KeyInfo): string | null {
  if (k.type === 'rsa' || k.type === 'rsa-pss') {
    const bits = k.bits ?? 0;
    const e = k.exponent ?? 0n;
    if (bits < RSA_BITS.min || bits > RSA_BITS.max || e !== RSA_EXPONENT) {
      return `RSA ${bits} bits, exposant ${e.toString(2).length > 32 ? `de ${e.toString(2).length} bits` : e.toString()}`;
    }
    return null;
  }
  if (k.type === 'ec') return k.curve && CARD_CURVES.has(k.curve) ? null : `EC ${k.curve ?? '?'}`;
  return k.type;
}

// The signed message is protocol/webeid.ts authSignedData's H(origin) || H(nonce); computed here with OpenSSL's
// one-shot crypto.hash (Node ≥ 20.12, a third cheaper than createHash) because this is the validator's hot path.
// Tokens made with authSignedData (the card layer's) validating is what keeps the two in step.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;
const digest = (alg: string, data: string): Buffer => oneShot ? oneShot(alg, data, 'buffer') : createHash(alg).update(data).digest();

function keyFits(spec: AlgorithmSpec, k: KeyInfo): boolean {
  switch (spec.family) {
    // Size and exponent were checked with the certificate (keyProblem), before the chain.
    case 'RSA': return k.type === 'rsa';
    case 'RSA-PSS': return k.type === 'rsa' || k.type === 'rsa-pss';
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
