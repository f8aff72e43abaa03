// Provisions a simulated CPx card: a FRESH SoftHSM2 token in the simulator's token directory, laid out the way
// Cryptolib CPS presents a CPS3 or CPS4 card (domain.md, "Objects on the card"). Written straight into SoftHSM (see
// pki/softhsm-direct.ts), never through the simulator.

import { execFile } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import pkcs11js from 'pkcs11js';
import { getProfile, tokenLabel, type CardProfile } from './profiles.ts';
import { ensurePki, type LeafMaterial, type LeafRole } from './pki/index.ts';
import { cardDataObjects } from './pki/card-data-objects.ts';
import { softhsmLibraryPath, withSoftHsm } from './pki/softhsm-direct.ts';
import { x509 } from './pki/x509.ts';
import { softhsmConfPath } from './control.ts';

/** Test cards' PIN and PUK (domain.md). */
export const TEST_USER_PIN = '1234';
export const TEST_SO_PIN = '12345678';

export const OBJECT_LABELS = {
  authentication: { certificate: "Certificat d'Authentification CPS", privateKey: 'CPS_PRIV_AUT', publicKey: 'CPS_PUB_AUT' },
  signature: { certificate: 'Certificat de Signature CPS', privateKey: 'CPS_PRIV_SIG', publicKey: 'CPS_PUB_SIG' },
} as const satisfies Record<LeafRole, { certificate: string; privateKey: string; publicKey: string }>;

export interface ProvisionedCard {
  profile: string;
  /** SoftHSM token serial: what the simulator's reader file points at. */
  tokenSerial: string;
  /** `CPS3v3-<cardNumber>` or `CPS4v1-<cardNumber>` (unpadded). */
  label: string;
  cardNumber: string;
  /** Keys the simulator's PIN counter: new for every provisioned card, so a fresh card has 3 tries. */
  cardId: string;
}

/**
 * CKA_ID shared by a certificate and its keys: 8 bytes of the public key's hash, then 0x20 (authentication) or 0x10
 * (signature). Reportedly how real cards end them (domain.md, unverified): consumers must pair by equality only.
 */
function objectId(leaf: LeafMaterial): Buffer {
  const spki = new x509.X509Certificate(leaf.certificate).publicKey.rawData;
  const hash = createHash('sha256').update(new Uint8Array(spki)).digest().subarray(0, 8);
  return Buffer.concat([hash, Buffer.from([leaf.role === 'authentication' ? 0x20 : 0x10])]);
}

function b64url(value: string | undefined): Buffer {
  if (!value) throw new Error('RSA key component missing');
  return Buffer.from(value, 'base64url');
}

/** DER of the certificate's serial as an INTEGER (what CKA_SERIAL_NUMBER holds). */
function serialDer(cert: x509.X509Certificate): Buffer {
  let bytes = Buffer.from(cert.serialNumber, 'hex');
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.from(new asn1js.Integer({ valueHex: new Uint8Array(bytes) }).toBER(false));
}

type Template = pkcs11js.Template;

function leafTemplates(leaf: LeafMaterial): Template[] {
  const labels = OBJECT_LABELS[leaf.role];
  const cert = new x509.X509Certificate(leaf.certificate);
  const id = objectId(leaf);
  const subject = Buffer.from(cert.subjectName.toArrayBuffer());
  const jwk = createPrivateKey({ key: Buffer.from(leaf.privateKey), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  const common = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_MODIFIABLE, value: false },
    { type: pkcs11js.CKA_ID, value: id },
  ];
  return [
    [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_LABEL, value: labels.certificate },
      { type: pkcs11js.CKA_SUBJECT, value: subject },
      { type: pkcs11js.CKA_ISSUER, value: Buffer.from(cert.issuerName.toArrayBuffer()) },
      { type: pkcs11js.CKA_SERIAL_NUMBER, value: serialDer(cert) },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(leaf.certificate) },
    ],
    [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
      { type: pkcs11js.CKA_LABEL, value: labels.privateKey },
      { type: pkcs11js.CKA_SUBJECT, value: subject },
      { type: pkcs11js.CKA_MODULUS, value: b64url(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64url(jwk.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: b64url(jwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: b64url(jwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: b64url(jwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: b64url(jwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: b64url(jwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: b64url(jwk.qi) },
    ],
    [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_ENCRYPT, value: false },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_LABEL, value: labels.publicKey },
      { type: pkcs11js.CKA_SUBJECT, value: subject },
      { type: pkcs11js.CKA_MODULUS, value: b64url(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64url(jwk.e) },
    ],
  ];
}

function tokenSerials(p11: pkcs11js.PKCS11): Set<string> {
  const serials = new Set<string>();
  for (const slot of p11.C_GetSlotList(true)) {
    const info = p11.C_GetTokenInfo(slot);
    if (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) serials.add(info.serialNumber.trim());
  }
  return serials;
}

/** Creates the token and its objects; SoftHSM is initialised on the right configuration by the caller. */
function writeToken(p11: pkcs11js.PKCS11, profile: CardProfile, leaves: LeafMaterial[], templatesData: Template[]): string {
  const before = tokenSerials(p11);
  const free = p11.C_GetSlotList(true).find((slot) => !(p11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED));
  if (free === undefined) throw new Error('SoftHSM: aucun emplacement libre / no free slot');
  p11.C_InitToken(free, TEST_SO_PIN, tokenLabel(profile).padEnd(32, ' '));
  // SoftHSM moves an initialised token to a new slot id: find it by its (new) serial.
  const slot = p11.C_GetSlotList(true).find((s) => {
    const info = p11.C_GetTokenInfo(s);
    return (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) && !before.has(info.serialNumber.trim());
  });
  if (slot === undefined) throw new Error('SoftHSM: jeton créé introuvable / initialised token not found');
  const serial = p11.C_GetTokenInfo(slot).serialNumber.trim();
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    p11.C_Login(session, pkcs11js.CKU_SO, TEST_SO_PIN);
    p11.C_InitPIN(session, TEST_USER_PIN);
    p11.C_Logout(session);
    p11.C_Login(session, pkcs11js.CKU_USER, TEST_USER_PIN);
    for (const leaf of leaves) for (const template of leafTemplates(leaf)) p11.C_CreateObject(session, template);
    for (const template of templatesData) p11.C_CreateObject(session, template);
    p11.C_Logout(session);
  } finally {
    p11.C_CloseSession(session);
  }
  return serial;
}

function dataTemplates(profile: CardProfile, leaves: LeafMaterial[]): Template[] {
  const validity = leaves[0]!;
  return cardDataObjects(profile, validity).map((obj) => [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_MODIFIABLE, value: false },
    { type: pkcs11js.CKA_PRIVATE, value: obj.private },
    { type: pkcs11js.CKA_LABEL, value: obj.label },
    { type: pkcs11js.CKA_APPLICATION, value: 'CPS' },
    { type: pkcs11js.CKA_VALUE, value: Buffer.from(obj.value) },
  ]);
}

// A test file inserts many cards: re-checking the whole PKI cache each time (~40 ms) buys nothing within minutes.
const PKI_REUSE_MS = 60_000;
const pkiByDir = new Map<string, { at: number; pki: ReturnType<typeof ensurePki> }>();

function recentPki(pkiDir: string | undefined): ReturnType<typeof ensurePki> {
  const key = pkiDir ?? '';
  const hit = pkiByDir.get(key);
  if (hit && Date.now() - hit.at < PKI_REUSE_MS) return hit.pki;
  const pki = ensurePki(pkiDir);
  pkiByDir.set(key, { at: Date.now(), pki });
  pki.catch(() => pkiByDir.delete(key));
  return pki;
}

/**
 * Provisions a fresh token for `profileName` in the SoftHSM set-up described by `softhsmConf` (the simulator's, or
 * any private one). Uses the test PKI in its default cache (created if missing) unless `pkiDir` says otherwise.
 */
export async function provisionToken(softhsmConf: string, profileName: string, pkiDir?: string): Promise<ProvisionedCard> {
  const profile = getProfile(profileName);
  if (!existsSync(softhsmConf)) {
    throw new Error(`configuration SoftHSM absente / missing: ${softhsmConf} (état du simulateur non initialisé / sim state not initialised)`);
  }
  const pki = await recentPki(pkiDir);
  const credentials = pki.card(profileName);
  // Signature first: consumers must find the authentication pair by label/CKA_ID, not by creation order.
  const leaves = [credentials.signature, credentials.authentication].filter((l): l is LeafMaterial => l !== null);
  const data = dataTemplates(profile, leaves);
  const tokenSerial = await withSoftHsm(softhsmConf, (p11) => writeToken(p11, profile, leaves, data));
  return {
    profile: profile.name,
    tokenSerial,
    label: tokenLabel(profile),
    cardNumber: profile.cardNumber,
    cardId: `${profile.cardNumber}-${tokenSerial}`,
  };
}

/** A fresh card of `profile` in the simulator state `stateDir` (not inserted: see control.insertCard). */
export function provisionCard(stateDir: string, profile: string): Promise<ProvisionedCard> {
  return provisionToken(softhsmConfPath(stateDir), profile);
}

const execFileAsync = promisify(execFile);

/** Deletes the SoftHSM token (take it out of its reader first). Unknown serials are ignored. */
export async function deleteToken(stateDir: string, tokenSerial: string): Promise<void> {
  await deleteTokenIn(softhsmConfPath(stateDir), tokenSerial);
}

export async function deleteTokenIn(softhsmConf: string, tokenSerial: string): Promise<void> {
  if (!/^[0-9a-fA-F]{1,32}$/.test(tokenSerial)) throw new Error(`invalid token serial: ${tokenSerial}`);
  // softhsm2-util removes the token's directory the way SoftHSM itself lays it out.
  const util = process.env.CPX_SOFTHSM_UTIL ?? 'softhsm2-util';
  try {
    await execFileAsync(util, ['--delete-token', '--serial', tokenSerial, '--module', softhsmLibraryPath()], {
      env: { ...process.env, SOFTHSM2_CONF: softhsmConf },
    });
  } catch (e) {
    const out = String((e as { stderr?: string }).stderr ?? '') + String((e as { stdout?: string }).stdout ?? '');
    if (/could not find/i.test(out)) return;
    throw new Error(`softhsm2-util --delete-token ${tokenSerial}: ${out.trim() || (e as Error).message}`);
  }
}
