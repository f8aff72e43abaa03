// Trust anchors (and optional untrusted intermediates) parsed once, and the path from a card certificate up to
// an anchor: issuer name match, key identifiers, the issuer's signature (node:crypto), CA flag, keyCertSign,
// path length constraints, and no critical extension we do not understand.
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { because, CpxError, type ErrorParams } from '../../protocol/errors.ts';
import { KU, decodeCertificate, type CertificateFacts } from '../../protocol/identity.ts';
import { pemCertificates } from './base64.ts';

export interface CaCert {
  facts: CertificateFacts;
  x509: X509Certificate;
  publicKey: KeyObject;
  fingerprint: string;
  anchor: boolean;
  /** Subject = issuer: does not count towards path lengths (RFC 5280 §4.2.1.9). */
  selfIssued: boolean;
  notBeforeMs: number;
  notAfterMs: number;
  /** Short name for messages: the CA's CN. */
  label: string;
}

/** Extensions this validator processes (or that carry no constraint), so they may be critical. */
const KNOWN_CRITICAL = new Set([
  '2.5.29.15', '2.5.29.37', '2.5.29.19', '2.5.29.32', '2.5.29.17', '2.5.29.18', '2.5.29.14', '2.5.29.35', '2.5.29.31',
  '1.3.6.1.5.5.7.1.1', '1.3.6.1.5.5.7.1.3',
]);
/** IGC-Santé private extensions (card type, profession, …): informative. */
const KNOWN_CRITICAL_ARC = '1.2.250.1.71.';

export function unknownCriticalExtension(facts: CertificateFacts): string | null {
  return facts.criticalExtensions.find((oid) => !KNOWN_CRITICAL.has(oid) && !oid.startsWith(KNOWN_CRITICAL_ARC)) ?? null;
}

/** Certificates from PEM text (one or several) or DER bytes; `what` names the input in errors. */
export function certificatesFrom(input: string | Uint8Array, what: string): Uint8Array[] {
  const list = typeof input === 'string' ? pemCertificates(input) : [input];
  if (!list.length) throw new CpxError('CERT_MALFORMED', { detail: what });
  return list;
}

function loadCa(der: Uint8Array, anchor: boolean, what: string): CaCert {
  let facts: CertificateFacts;
  let x509: X509Certificate;
  try {
    facts = decodeCertificate(der);
    x509 = new X509Certificate(der);
  } catch (err) {
    throw new CpxError('CERT_MALFORMED', { detail: what }, { cause: err });
  }
  return {
    facts, x509, publicKey: x509.publicKey, anchor,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    selfIssued: facts.subject === facts.issuer,
    notBeforeMs: facts.notBefore.getTime(),
    notAfterMs: facts.notAfter.getTime(),
    label: facts.subjectRdns.flat().find((a) => a.name === 'CN')?.value ?? facts.subject,
  };
}

export class TrustStore {
  readonly #bySubject = new Map<string, CaCert[]>();
  readonly all: CaCert[] = [];

  constructor(anchors: readonly (string | Uint8Array)[], intermediates: readonly (string | Uint8Array)[] = []) {
    const add = (inputs: readonly (string | Uint8Array)[], anchor: boolean, kind: string) => inputs.forEach((input, i) => {
      for (const der of certificatesFrom(input, `${kind} #${i + 1}`)) {
        const ca = loadCa(der, anchor, `${kind} #${i + 1}`);
        const existing = this.all.find((c) => c.fingerprint === ca.fingerprint);
        if (existing) {
          // The same certificate given as anchor and as intermediate is an anchor.
          if (anchor) existing.anchor = true;
          continue;
        }
        this.all.push(ca);
        const list = this.#bySubject.get(ca.facts.subject) ?? [];
        list.push(ca);
        this.#bySubject.set(ca.facts.subject, list);
      }
    });
    add(anchors, true, 'trust anchor');
    add(intermediates, false, 'intermediate CA');
    if (!this.all.some((c) => c.anchor)) throw new CpxError('CERT_UNTRUSTED', because('NO_TRUST_ANCHOR'));
  }

  bySubject(subject: string): readonly CaCert[] {
    return this.#bySubject.get(subject) ?? [];
  }

  /**
   * The CAs from the leaf's issuer up to an anchor ([issuer, …, anchor]), or CERT_UNTRUSTED saying why none fits.
   * Time-independent (validity windows are checked per validation by checkPathTimes), so it may be cached.
   */
  buildPath(leaf: CertificateFacts, leafX509: X509Certificate): CaCert[] {
    const critical = unknownCriticalExtension(leaf);
    if (critical) throw new CpxError('CERT_UNTRUSTED', because('CRITICAL_EXTENSION', { oid: critical }));
    let reason = because('ISSUER_UNKNOWN', { issuer: leaf.issuer });
    const walk = (child: CertificateFacts, childX509: X509Certificate, path: CaCert[]): CaCert[] | null => {
      if (path.length > 6) return null;
      for (const ca of this.bySubject(child.issuer)) {
        if (path.includes(ca)) continue;
        const why = this.#refuse(ca, child, childX509, path);
        if (why) {
          reason = why;
          continue;
        }
        const next = [...path, ca];
        if (ca.anchor) return next;
        const up = walk(ca.facts, ca.x509, next);
        if (up) return up;
      }
      return null;
    };
    const path = walk(leaf, leafX509, []);
    if (!path) throw new CpxError('CERT_UNTRUSTED', reason);
    return path;
  }

  /** Why `ca` cannot be the issuer of `child` given the CAs already below it, or null when it can. */
  #refuse(ca: CaCert, child: CertificateFacts, childX509: X509Certificate, below: readonly CaCert[]): ErrorParams | null {
    const about = { ca: ca.label };
    if (child.authorityKeyId && ca.facts.subjectKeyId && child.authorityKeyId !== ca.facts.subjectKeyId) {
      return because('ISSUER_KEY_ID_MISMATCH', about);
    }
    let signed = false;
    try {
      signed = childX509.verify(ca.publicKey);
    } catch {
      signed = false;
    }
    if (!signed) return because('ISSUER_SIGNATURE_INVALID', about);
    const bc = ca.facts.basicConstraints;
    if (!bc?.ca) return because('ISSUER_NOT_CA', about);
    if (ca.facts.keyUsage !== null && !(ca.facts.keyUsage & KU.keyCertSign)) return because('ISSUER_CANNOT_SIGN', about);
    const intermediatesBelow = below.filter((c) => !c.selfIssued).length;
    if (bc.pathLen !== null && intermediatesBelow > bc.pathLen) return because('PATH_TOO_LONG', { ...about, pathLen: bc.pathLen });
    const critical = unknownCriticalExtension(ca.facts);
    if (critical) return because('CA_CRITICAL_EXTENSION', { ...about, oid: critical });
    return null;
  }
}

/** Every CA of the path must be valid at the validation time. */
export function checkPathTimes(path: readonly CaCert[], nowMs: number): void {
  for (const ca of path) {
    if (nowMs < ca.notBeforeMs || nowMs > ca.notAfterMs) {
      throw new CpxError('CERT_UNTRUSTED', because('CA_OUT_OF_VALIDITY', { ca: ca.label }));
    }
  }
}
