// Web eID authentication token validator: usable on its own (no web framework), by the account service and by
// `cpx-link verify-token`. Checks run in the Web eID order, each with its own error code:
//   size/JSON (TOKEN_SIZE, TOKEN_MALFORMED) → format (TOKEN_FORMAT_UNSUPPORTED) → certificate decodes
//   (CERT_MALFORMED) → its key is a card's (CERT_KEY_UNSUPPORTED) → purpose (CERT_PURPOSE_INVALID) → policy
//   (CERT_POLICY_REJECTED) → validity (CERT_NOT_YET_VALID,
//   CERT_EXPIRED) → chain to an anchor (CERT_UNTRUSTED) → revocation (CERT_REVOKED, REVOCATION_UNAVAILABLE) →
//   signature (TOKEN_ALGORITHM_UNSUPPORTED, TOKEN_SIGNATURE_INVALID) → a CPx holder (CARD_NOT_RECOGNISED; validate
//   only, validateWebEid accepts any holder).
//
// Work before trust: nothing uses the certificate's key before it is known to be a card's kind of key and to chain
// to an anchor; a key made to be slow (a huge RSA exponent) or an attacker's certificate costs a decode, never a
// public-key operation.
//
// Speed: what depends only on the certificate (decoding, identity, purpose, policy, the path to an anchor, the
// public key) is cached per certificate in a bounded LRU. Validity times, revocation (a lookup in the cached CRL)
// and the signature are checked on every call. The nonce store (single use, lifetime) belongs to the service.
import { X509Certificate, createHash } from 'node:crypto';
import type { CardType, Holder } from '../../protocol/card.ts';
import { because, CpxError, type ErrorCode, type ErrorParams, type ReasonCode } from '../../protocol/errors.ts';
import { KU, cardTypeOf, certificateRole, decodeCertificate, holderFromSubject, type CertificateFacts } from '../../protocol/identity.ts';
import { checkNonce, checkOrigin } from '../../protocol/origin.ts';
import { decodeBase64 } from './base64.ts';
import { Lru } from './lru.ts';
import { RevocationChecker, type CrlConfig, type RevocationMode } from './revocation.ts';
import { TokenSignatureChecker, keyInfo, keyProblem, type KeyInfo } from './signature.ts';
import { readToken, type TokenFields } from './token-input.ts';
import { TrustStore, checkPathTimes, type CaCert } from './trust-store.ts';

export type { CrlConfig, RevocationMode } from './revocation.ts';

export interface ValidatorConfig {
  /** CA certificates the card certificate must chain to (PEM text, possibly several, or DER): intermediate and/or root. */
  trustAnchors: (string | Uint8Array)[];
  /** CA certificates usable to build a path to an anchor without being trusted themselves. */
  intermediates?: (string | Uint8Array)[];
  crls?: CrlConfig;
  /** What to do when no usable CRL answers: refuse (default), accept with a warning, or skip revocation. */
  revocation?: RevocationMode;
  /** Certificate policy OIDs: at least one of `allow` when given; none of `deny`. */
  policy?: { allow?: string[]; deny?: string[] };
  /** The validation time. Default: now. */
  clock?: () => Date;
  /** Certificates whose static checks are cached. Default 1000. */
  cacheSize?: number;
}

export interface ValidationWarning {
  code: ErrorCode;
  /** The params of the error it would have been (its message: errorMessage(code, lang, params)). */
  params: ErrorParams;
}

/** What validateWebEid returns: any Web eID authentication certificate, CPx or not. */
export interface WebEidValidation {
  /** Null when the certificate names no CPx holder (e.g. another country's eID card). */
  holder: Holder | null;
  cardType: CardType | null;
  cardTypeInferred: boolean;
  certificateDer: Uint8Array;
  /** SHA-256 of the certificate, lowercase hex. */
  fingerprint: string;
  notAfter: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  algorithm: string;
  /** Soft revocation mode: why revocation could not be checked. Empty otherwise. */
  warnings: ValidationWarning[];
}

/** A token from a CPx card: the holder and card type are known. */
export interface ValidatedToken extends WebEidValidation {
  holder: Holder;
  cardType: CardType;
}

/** What one certificate always yields, whatever the token around it. */
interface CertEntry {
  b64: string;
  error: CpxError | null;
  der: Uint8Array;
  fingerprint: string;
  facts: CertificateFacts;
  holder: Holder | null;
  cardType: CardType | null;
  cardTypeInferred: boolean;
  notBeforeMs: number;
  notAfterMs: number;
  notAfterIso: string;
  key: KeyInfo;
  path: CaCert[] | null;
  chainError: CpxError | null;
}

export class TokenValidator {
  readonly #trust: TrustStore;
  readonly #revocation: RevocationChecker | null;
  readonly #mode: RevocationMode;
  readonly #allow: ReadonlySet<string> | null;
  readonly #deny: ReadonlySet<string>;
  readonly #clock: () => Date;
  readonly #certs: Lru<string, CertEntry>;
  readonly #signatures = new TokenSignatureChecker();
  readonly #origins = new Map<string, string>();

  constructor(cfg: ValidatorConfig) {
    this.#trust = new TrustStore(cfg.trustAnchors, cfg.intermediates);
    this.#mode = cfg.revocation ?? 'hard';
    if (!['hard', 'soft', 'off'].includes(this.#mode)) throw new CpxError('BAD_REQUEST', { detail: `revocation ${String(this.#mode)}` });
    try {
      this.#revocation = this.#mode === 'off' ? null : new RevocationChecker(cfg.crls);
    } catch (err) {
      throw err instanceof CpxError ? err : new CpxError('REVOCATION_UNAVAILABLE', { detail: err instanceof Error ? err.message : String(err) }, { cause: err });
    }
    this.#allow = cfg.policy?.allow?.length ? new Set(cfg.policy.allow) : null;
    this.#deny = new Set(cfg.policy?.deny ?? []);
    this.#clock = cfg.clock ?? (() => new Date());
    this.#certs = new Lru(cfg.cacheSize ?? 1000);
  }

  /**
   * Validates a token (its JSON text or the parsed object) for the origin and nonce this service expects, and
   * requires a CPx holder (CARD_NOT_RECOGNISED otherwise, once every security check has passed).
   */
  validate(token: unknown, expected: { origin: string; nonce: string }): Promise<ValidatedToken> {
    return this.#run(token, expected, true) as Promise<ValidatedToken>;
  }

  /** Every Web eID check, for any authentication certificate under the anchors (another country's eID card too). */
  validateWebEid(token: unknown, expected: { origin: string; nonce: string }): Promise<WebEidValidation> {
    return this.#run(token, expected, false);
  }

  async #run(token: unknown, expected: { origin: string; nonce: string }, cpx: boolean): Promise<WebEidValidation> {
    const origin = this.#origin(expected?.origin);
    const nonce = checkNonce(expected?.nonce);
    const t = readToken(token);
    const { e, warnings } = await this.#trusted(t);

    this.#signatures.verify(t.algorithm, t.signatureBytes, e.key, origin, nonce);

    if (cpx && (!e.holder || !e.cardType)) throw new CpxError('CARD_NOT_RECOGNISED');
    return {
      holder: e.holder,
      cardType: e.cardType,
      cardTypeInferred: e.cardTypeInferred,
      certificateDer: new Uint8Array(e.der),
      fingerprint: e.fingerprint,
      notAfter: e.notAfterIso,
      subject: e.facts.subject,
      issuer: e.facts.issuer,
      serialNumber: e.facts.serialNumber,
      algorithm: t.algorithm,
      warnings,
    };
  }

  /** The certificate's checks, in order, up to revocation: nothing here uses the certificate's key. */
  async #trusted(t: TokenFields): Promise<{ e: CertEntry; warnings: ValidationWarning[] }> {
    const e = this.#entry(t.unverifiedCertificate);
    if (e.error) throw e.error;

    const now = this.#clock();
    const nowMs = now.getTime();
    // An invalid date compares false both ways: it would pass every validity check.
    if (Number.isNaN(nowMs)) throw new CpxError('INTERNAL_ERROR', { detail: 'the validator clock is not a valid date' });
    if (nowMs < e.notBeforeMs) throw new CpxError('CERT_NOT_YET_VALID', { date: e.facts.notBefore.toISOString().slice(0, 10) });
    if (nowMs > e.notAfterMs) throw new CpxError('CERT_EXPIRED', { date: e.notAfterIso.slice(0, 10) });

    if (e.chainError) throw e.chainError;
    const path = e.path!;
    checkPathTimes(path, nowMs);

    const warnings: ValidationWarning[] = [];
    if (this.#revocation) {
      let r = this.#revocation.check(e.facts, path[0]!, nowMs);
      if (r instanceof Promise) r = await r;
      if (r.status === 'revoked') throw new CpxError('CERT_REVOKED');
      if (r.status === 'unavailable') {
        if (this.#mode === 'hard') throw new CpxError('REVOCATION_UNAVAILABLE', r.why);
        warnings.push({ code: 'REVOCATION_UNAVAILABLE', params: r.why });
      }
    }
    return { e, warnings };
  }

  #origin(origin: unknown): string {
    if (typeof origin === 'string') {
      const known = this.#origins.get(origin);
      if (known) return known;
    }
    const normalised = checkOrigin(origin);
    if (this.#origins.size >= 64) this.#origins.clear();
    this.#origins.set(origin as string, normalised);
    return normalised;
  }

  // Keyed by the base64 text's length and tail (the issuer's signature: unique per certificate) so a lookup does not
  // hash 1-2 KB per token; the full text is compared on a hit. Strict base64 maps one text to one DER and back.
  #entry(b64: string): CertEntry {
    const key = `${b64.length}:${b64.slice(-64)}`;
    let e = this.#certs.get(key);
    if (!e || e.b64 !== b64) {
      e = this.#examine(b64);
      this.#certs.set(key, e);
    }
    return e;
  }

  /** Decode, public key, purpose, policy, identity and path to an anchor: everything that depends only on the certificate. */
  #examine(b64: string): CertEntry {
    const decoded = decodeBase64(b64);
    // Own copy: small Buffers share Node's pool, and the entry outlives this call.
    const der = decoded ? new Uint8Array(decoded) : null;
    const failed = (error: CpxError) => ({ b64, error } as CertEntry);
    if (!der || der.length === 0) return failed(new CpxError('CERT_MALFORMED', { detail: 'base64' }));
    let facts: CertificateFacts;
    let x509: X509Certificate;
    let key: KeyInfo;
    try {
      facts = decodeCertificate(der);
      x509 = new X509Certificate(der);
      // OpenSSL decodes the public key lazily: a certificate with a broken key must fail here, as malformed.
      key = keyInfo(x509.publicKey);
    } catch (err) {
      return failed(err instanceof CpxError ? err : new CpxError('CERT_MALFORMED', { detail: 'X.509' }, { cause: err }));
    }
    // Two decoders read the same bytes: if they disagree on what the certificate says, trust neither.
    if (serialOf(x509) !== facts.serialNumber || Date.parse(x509.validTo) !== facts.notAfter.getTime()) {
      return failed(new CpxError('CERT_MALFORMED', { detail: 'decoders disagree' }));
    }
    const weakKey = keyProblem(key);
    if (weakKey) return failed(new CpxError('CERT_KEY_UNSUPPORTED', { detail: weakKey }));
    const purpose = purposeProblem(facts);
    if (purpose) return failed(new CpxError('CERT_PURPOSE_INVALID', because(purpose)));
    const policy = this.#policyProblem(facts);
    if (policy) return failed(new CpxError('CERT_POLICY_REJECTED', policy));

    let path: CaCert[] | null = null;
    let chainError: CpxError | null = null;
    try {
      path = this.#trust.buildPath(facts, x509);
    } catch (err) {
      chainError = err instanceof CpxError ? err : new CpxError('CERT_UNTRUSTED', { detail: err instanceof Error ? err.message.slice(0, 120) : 'chain' }, { cause: err });
    }
    const holder = holderFromSubject(facts.subjectRdns);
    if (holder) deepFreeze(holder);
    return {
      b64,
      error: null,
      der,
      fingerprint: createHash('sha256').update(der).digest('hex'),
      facts,
      holder,
      ...cardTypeOf(facts, holder),
      notBeforeMs: facts.notBefore.getTime(),
      notAfterMs: facts.notAfter.getTime(),
      notAfterIso: facts.notAfter.toISOString(),
      key,
      path,
      chainError,
    };
  }

  #policyProblem(facts: CertificateFacts): ErrorParams | null {
    const denied = facts.policies.find((p) => this.#deny.has(p));
    if (denied) return because('POLICY_DENIED', { policy: denied });
    if (this.#allow && !facts.policies.some((p) => this.#allow!.has(p))) {
      return facts.policies.length ? because('POLICY_NOT_ALLOWED', { policy: facts.policies.join(', ') }) : because('NO_POLICY');
    }
    return null;
  }
}

/** Why a certificate is not an authentication one (the identity parser's rule), or null when it is. */
function purposeProblem(facts: CertificateFacts): ReasonCode | null {
  if (certificateRole(facts) === 'authentication') return null;
  if (facts.keyUsage === null) return 'KEY_USAGE_ABSENT';
  if (facts.keyUsage & KU.nonRepudiation) return 'SIGNATURE_CERTIFICATE';
  if (!(facts.keyUsage & KU.digitalSignature)) return 'NO_DIGITAL_SIGNATURE';
  return 'NO_CLIENT_AUTH';
}

function serialOf(x509: X509Certificate): string {
  return x509.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
