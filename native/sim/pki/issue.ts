// Key generation and signing of the test PKI's certificates and CRLs (all X.509 encoding by @peculiar/x509).

import { generateKeyPair, randomBytes, type webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { x509 } from './x509.ts';
import {
  ANY_POLICY, CA_LIFETIME_DAYS, CRL_LIFETIME_DAYS, DAY_MS, INTERMEDIATE_SUBJECT, ROOT_CRL_URL, ROOT_SUBJECT, RSA_BITS,
  SIGNING_ALGORITHM,
} from './hierarchy.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyFiles {
  /** PKCS#8 DER. */
  pkcs8: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

/** RSA-2048, e = 65537. Runs on libuv's thread pool, so several can be generated in parallel. */
export async function generateRsaKey(): Promise<KeyFiles> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: RSA_BITS,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { pkcs8: new Uint8Array(privateKey), spki: new Uint8Array(publicKey) };
}

export function importSigningKey(pkcs8: Uint8Array): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, SIGNING_ALGORITHM, false, ['sign']);
}

export function importPublicKey(spki: Uint8Array): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey('spki', spki, SIGNING_ALGORITHM, true, ['verify']);
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2: ≤ 20 octets, positive). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

export interface Window {
  notBefore: Date;
  notAfter: Date;
}

export function caWindow(now: Date): Window {
  return { notBefore: new Date(now.getTime() - DAY_MS), notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY_MS) };
}

const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

export async function createRoot(key: KeyFiles, now: Date): Promise<x509.X509Certificate> {
  const publicKey = await importPublicKey(key.spki);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: new x509.Name(ROOT_SUBJECT),
    ...caWindow(now),
    keys: { publicKey, privateKey: await importSigningKey(key.pkcs8) },
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      new x509.CertificatePolicyExtension([ANY_POLICY]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
}

/** Signs `subjectKey` under `issuer`; adds subject/authority key identifiers to `extensions`. */
export async function issueCertificate(params: {
  subject: x509.Name;
  subjectKey: Uint8Array; // SPKI DER
  issuer: x509.X509Certificate;
  issuerKey: Uint8Array; // PKCS#8 DER
  window: Window;
  extensions: x509.Extension[];
  serialNumber?: string;
}): Promise<x509.X509Certificate> {
  const publicKey = await importPublicKey(params.subjectKey);
  return x509.X509CertificateGenerator.create({
    serialNumber: params.serialNumber ?? randomSerial(),
    subject: params.subject,
    // The issuer's own encoded name, byte for byte, so chain building matches it exactly.
    issuer: params.issuer.subjectName,
    ...params.window,
    publicKey,
    signingKey: await importSigningKey(params.issuerKey),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      ...params.extensions,
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(params.issuer.publicKey),
    ],
  });
}

export function createIntermediate(key: KeyFiles, root: x509.X509Certificate, rootKey: Uint8Array, now: Date) {
  return issueCertificate({
    subject: new x509.Name(INTERMEDIATE_SUBJECT),
    subjectKey: key.spki,
    issuer: root,
    issuerKey: rootKey,
    window: caWindow(now),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      new x509.CertificatePolicyExtension([ANY_POLICY]),
      new x509.CRLDistributionPointsExtension([ROOT_CRL_URL]),
    ],
  });
}

/** A CRL of `issuer` listing `serials` (hex), valid from an hour ago (clock skew) for CRL_LIFETIME_DAYS. */
export async function issueCrl(params: {
  issuer: x509.X509Certificate;
  issuerKey: Uint8Array;
  serials: readonly string[];
  now: Date;
  crlNumber: number;
}): Promise<x509.X509Crl> {
  const { now } = params;
  return x509.X509CrlGenerator.create({
    issuer: params.issuer.subjectName,
    thisUpdate: new Date(now.getTime() - 3_600_000),
    nextUpdate: new Date(now.getTime() + CRL_LIFETIME_DAYS * DAY_MS),
    signingKey: await importSigningKey(params.issuerKey),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(params.issuer.publicKey),
      new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(params.crlNumber))),
    ],
    entries: params.serials.map((serialNumber) => ({
      serialNumber,
      revocationDate: new Date(now.getTime() - 2 * 3_600_000),
      reason: x509.X509CrlReason.keyCompromise,
    })),
  });
}
