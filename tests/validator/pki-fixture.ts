// A small certificate factory for the identity and validator tests: CAs, CPx-shaped leaves, CRLs and Web eID
// tokens signed with node:crypto, built in memory per test file (no shared state between files).
import './reflect-shim.ts';
import * as x509 from '@peculiar/x509';
import { KeyObject, constants, createHash, generatePrimeSync, randomBytes, sign } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import type { WebEidToken } from '../../protocol/card.ts';
import { TOKEN_ALGORITHMS, WEB_EID_FORMAT, type TokenAlgorithm } from '../../protocol/webeid.ts';

export { x509 };

export type KeyKind = 'rsa2048' | 'rsa1024' | 'ec256' | 'ec384' | 'ec521' | 'rsa3072-huge-exponent';

export interface TestKey {
  kind: KeyKind;
  pair: CryptoKeyPair;
  /** How this key signs certificates and CRLs. */
  signAlg: Algorithm | EcdsaParams;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
const subtle = globalThis.crypto.subtle;
/** x509's typings only list string values; its JSON form also takes { bmpString | utf8String | … } objects. */
const asName = (n: x509.JsonNameParams | string) => n as x509.JsonName | string;

export async function makeKey(kind: KeyKind): Promise<TestKey> {
  if (kind === 'rsa3072-huge-exponent') return await hugeExponentKey();
  let alg: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;
  let signAlg: Algorithm | EcdsaParams;
  if (kind.startsWith('rsa')) {
    alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: kind === 'rsa1024' ? 1024 : 2048 };
    signAlg = { name: 'RSASSA-PKCS1-v1_5' };
  } else {
    const curve = { ec256: 'P-256', ec384: 'P-384', ec521: 'P-521' }[kind as 'ec256'];
    alg = { name: 'ECDSA', namedCurve: curve };
    signAlg = { name: 'ECDSA', hash: kind === 'ec256' ? 'SHA-256' : kind === 'ec384' ? 'SHA-384' : 'SHA-512' } as EcdsaParams;
  }
  const pair = await subtle.generateKey(alg, true, ['sign', 'verify']) as CryptoKeyPair;
  return { kind, pair, signAlg, privateKey: KeyObject.from(pair.privateKey), publicKey: KeyObject.from(pair.publicKey) };
}

/**
 * The audit's attacker key: a 3072-bit modulus (OpenSSL takes any public exponent below 3072 bits) with a ~3070-bit
 * public exponent, so one public-key operation costs as much as a private one (~5 ms instead of ~0.03 ms).
 * A real key pair: tokens signed with it verify.
 */
async function hugeExponentKey(): Promise<TestKey> {
  const b64u = (n: bigint) => { const h = n.toString(16); return Buffer.from(h.length % 2 ? '0' + h : h, 'hex').toString('base64url'); };
  const inverse = (a: bigint, m: bigint) => {
    let [r0, r1, t0, t1] = [a % m, m, 1n, 0n];
    while (r1) { const q = r0 / r1; [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1]; }
    return r0 === 1n ? ((t0 % m) + m) % m : null;
  };
  for (;;) {
    const [p, q] = [generatePrimeSync(1536, { bigint: true }), generatePrimeSync(1536, { bigint: true })];
    const phi = (p - 1n) * (q - 1n);
    const e = (BigInt('0x' + randomBytes(384).toString('hex')) >> 3n) | (1n << 3069n) | 1n;
    const d = inverse(e, phi);
    if (!d || p === q) continue;
    const jwk = { kty: 'RSA', n: b64u(p * q), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(inverse(q, p)!) };
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const pair = {
      privateKey: await subtle.importKey('jwk', jwk, alg, true, ['sign']),
      publicKey: await subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, alg, true, ['verify']),
    } as CryptoKeyPair;
    return { kind: 'rsa3072-huge-exponent', pair, signAlg: { name: 'RSASSA-PKCS1-v1_5' }, privateKey: KeyObject.from(pair.privateKey), publicKey: KeyObject.from(pair.publicKey) };
  }
}

export interface TestCert {
  cert: x509.X509Certificate;
  der: Uint8Array;
  pem: string;
  key: TestKey;
  serial: string;
}
export interface TestCa extends TestCert { name: x509.JsonNameParams | string }

const DAY = 86_400_000;
const YEAR = 365 * DAY;
let serialCounter = 0x1000;
const nextSerial = () => (serialCounter++).toString(16).padStart(8, '0');

function finish(cert: x509.X509Certificate, key: TestKey, serial: string): TestCert {
  return { cert, der: new Uint8Array(cert.rawData), pem: cert.toString('pem'), key, serial };
}

export interface CaOptions {
  name: x509.JsonNameParams | string;
  key: TestKey;
  issuer?: TestCa;
  pathLen?: number;
  ca?: boolean;
  keyUsage?: number;
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  policies?: string[];
}

export async function makeCa(o: CaOptions): Promise<TestCa> {
  const serial = o.serial ?? nextSerial();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(o.ca ?? true, o.pathLen, true),
    new x509.KeyUsagesExtension(o.keyUsage ?? (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign), true),
    await x509.SubjectKeyIdentifierExtension.create(o.key.pair.publicKey),
  ];
  if (o.policies) extensions.push(new x509.CertificatePolicyExtension(o.policies));
  const common = {
    serialNumber: serial,
    notBefore: o.notBefore ?? new Date(Date.now() - YEAR),
    notAfter: o.notAfter ?? new Date(Date.now() + 10 * YEAR),
  };
  let cert: x509.X509Certificate;
  if (!o.issuer) {
    cert = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: asName(o.name), keys: o.key.pair, signingAlgorithm: o.key.signAlg, extensions });
  } else {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.key.pair.publicKey));
    cert = await x509.X509CertificateGenerator.create({
      ...common, subject: asName(o.name), issuer: o.issuer.cert.subject, publicKey: o.key.pair.publicKey,
      signingKey: o.issuer.key.pair.privateKey, signingAlgorithm: o.issuer.key.signAlg, extensions,
    });
  }
  return { ...finish(cert, o.key, serial), name: o.name };
}

export const KU = x509.KeyUsageFlags;
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_SMARTCARD_LOGON = '1.3.6.1.4.1.311.20.2.2';
export const EKU_EMAIL = '1.3.6.1.5.5.7.3.4';

export interface LeafOptions {
  subject: x509.JsonNameParams | string;
  key: TestKey;
  /** x509.KeyUsageFlags; default digitalSignature (an authentication certificate). null = no extension. */
  keyUsage?: number | null;
  /** Default clientAuth + smartcardLogon as on CPx cards; null = no extension. */
  eku?: string[] | null;
  /** 0 CPS, 1 CPF, 2 CPE, 3 CPA; null = no extension. Default null. */
  cardType?: number | null;
  /** Raw extnValue for the card-type extension, to test odd encodings. */
  cardTypeRaw?: Uint8Array;
  policies?: string[];
  crlUrls?: string[];
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  extensions?: x509.Extension[];
  /** SPKI DER of another public key than `key`'s (one WebCrypto cannot make: secp256k1, RSA e = 3…). */
  spki?: Uint8Array;
}

export async function makeLeaf(issuer: TestCa, o: LeafOptions): Promise<TestCert> {
  const serial = o.serial ?? nextSerial();
  const extensions: x509.Extension[] = [...(o.extensions ?? [])];
  const ku = o.keyUsage === undefined ? x509.KeyUsageFlags.digitalSignature : o.keyUsage;
  if (ku !== null) extensions.push(new x509.KeyUsagesExtension(ku, true));
  const eku = o.eku === undefined ? [EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON] : o.eku;
  if (eku !== null) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  if (o.cardTypeRaw) extensions.push(new x509.Extension('1.2.250.1.71.1.2.2', false, o.cardTypeRaw));
  else if (o.cardType !== undefined && o.cardType !== null) extensions.push(new x509.Extension('1.2.250.1.71.1.2.2', false, new Uint8Array([2, 1, o.cardType])));
  if (o.policies) extensions.push(new x509.CertificatePolicyExtension(o.policies));
  if (o.crlUrls) extensions.push(new x509.CRLDistributionPointsExtension(o.crlUrls));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.key.pair.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: asName(o.subject),
    issuer: issuer.cert.subject,
    notBefore: o.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 3 * YEAR),
    publicKey: o.spki ?? o.key.pair.publicKey,
    signingKey: issuer.key.pair.privateKey,
    signingAlgorithm: issuer.key.signAlg,
    extensions,
  });
  return finish(cert, o.key, serial);
}

export interface CrlOptions {
  revoked?: { serial: string; date?: Date }[];
  thisUpdate?: Date;
  /** null = no nextUpdate field. Default: in 7 days. */
  nextUpdate?: Date | null;
  /** Sign with another key than the issuer's (a forged CRL). */
  signer?: TestKey;
}

export async function makeCrl(issuer: TestCa, o: CrlOptions = {}): Promise<Uint8Array> {
  const signer = o.signer ?? issuer.key;
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: o.thisUpdate ?? new Date(Date.now() - DAY),
    ...(o.nextUpdate === null ? {} : { nextUpdate: o.nextUpdate ?? new Date(Date.now() + 7 * DAY) }),
    entries: (o.revoked ?? []).map((r) => ({ serialNumber: r.serial, revocationDate: r.date ?? new Date(Date.now() - DAY) })),
    signingKey: signer.pair.privateKey,
    signingAlgorithm: signer.signAlg,
  });
  return new Uint8Array(crl.rawData);
}

/** H(origin) || H(nonce) with the algorithm's hash, as a Web eID client signs it. */
export function signedData(origin: string, nonce: string, alg: TokenAlgorithm = 'RS256'): Buffer {
  const hash = TOKEN_ALGORITHMS[alg].hash.replace('-', '').toLowerCase();
  return Buffer.concat([createHash(hash).update(origin).digest(), createHash(hash).update(nonce).digest()]);
}

export function signWith(key: KeyObject, alg: TokenAlgorithm, data: Uint8Array): Buffer {
  const spec = TOKEN_ALGORITHMS[alg];
  const hash = spec.hash.replace('-', '').toLowerCase();
  if (spec.family === 'RSA') return sign(hash, data, key);
  if (spec.family === 'RSA-PSS') return sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashLength });
  return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
}

/** A Web eID token for this certificate, signed over the given origin and nonce. */
export function makeToken(leaf: Pick<TestCert, 'der' | 'key'>, origin: string, nonce: string, alg: TokenAlgorithm = 'RS256', extra: Record<string, unknown> = {}): WebEidToken {
  return {
    unverifiedCertificate: Buffer.from(leaf.der).toString('base64'),
    algorithm: alg,
    signature: signWith(leaf.key.privateKey, alg, signedData(origin, nonce, alg)).toString('base64'),
    format: WEB_EID_FORMAT,
    appVersion: 'https://cpx-link.test/1.0.0',
    ...extra,
  };
}

export const randomNonce = () => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64');

// ---- CPx-shaped subjects (domain.md: real shapes seen in public integrations) ----

export const SUBJECTS: Readonly<Record<'medecin' | 'pharmacien' | 'cpe', x509.JsonNameParams>> = {
  /** CN=810002813839+SN=DONNAT-GADY+GN=ISABELLE, title=Médecin, C=FR */
  medecin: [{ C: ['FR'] }, { '2.5.4.12': ['Médecin'] }, { CN: ['810002813839'], SN: ['DONNAT-GADY'], '2.5.4.42': ['ISABELLE'] }],
  /** SN=PHARMACH0007512+CN=899700075122+GN=CAROLE, title=Pharmacien, C=FR */
  pharmacien: [{ C: ['FR'] }, { '2.5.4.12': ['Pharmacien'] }, { SN: ['PHARMACH0007512'], CN: ['899700075122'], '2.5.4.42': ['CAROLE'] }],
  /** C=FR, ST=Seine-Maritime (76), O=PHARMACIE CRISTOL - LOUIN, OU=1760021832, title=…, pseudonym=EMPLOYE000000018, CN=3760021832/000000018 */
  cpe: [
    { C: ['FR'] }, { ST: ['Seine-Maritime (76)'] }, { O: ['PHARMACIE CRISTOL - LOUIN'] }, { OU: ['1760021832'] },
    { '2.5.4.12': ['Carte de service santé ou social'] }, { '2.5.4.65': ['EMPLOYE000000018'] }, { CN: ['3760021832/000000018'] },
  ],
};

export const TEST_ROOT_NAME = 'C=FR, O=CPX-TEST, OU=IGC-SANTE-TEST, CN=AC RACINE CPX TEST';
export const TEST_INTERMEDIATE_NAME = 'C=FR, O=CPX-TEST, OU=IGC-SANTE-TEST, CN=AC CPX TEST PERSONNES';

/** Root → intermediate (pathlen 0), RSA, like the IGC-Santé chain for persons. */
export async function makeChain(key?: TestKey): Promise<{ root: TestCa; intermediate: TestCa }> {
  const rootKey = key ?? await makeKey('rsa2048');
  const intKey = key ?? await makeKey('rsa2048');
  const root = await makeCa({ name: TEST_ROOT_NAME, key: rootKey });
  const intermediate = await makeCa({ name: TEST_INTERMEDIATE_NAME, key: intKey, issuer: root, pathLen: 0 });
  return { root, intermediate };
}
