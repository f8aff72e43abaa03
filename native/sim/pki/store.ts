// The test PKI as files in a cache folder: checks what is there, (re)issues what is missing or stale, loads it.
// Keys are generated once per cache folder and never replaced; certificates whose content would differ (profile
// edited, generator changed, new intermediate) or whose validity no longer fits (a 'valid' one nearing its end,
// the 'expiring' one out of its ~10-day window) are re-issued with the same key. The card identity (card number,
// national id, keys) is thus stable across inserts and runs.

import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { x509 } from './x509.ts';
import { PROFILES, type CardProfile } from '../profiles.ts';
import {
  CA_LIFETIME_DAYS, CRL_RENEW_DAYS, DAY_MS, EXPIRED_SINCE_DAYS, EXPIRING_DAYS, EXPIRING_WINDOW, GENERATOR_VERSION,
  LEAF_LIFETIME_DAYS, LEAF_RENEW_DAYS,
} from './hierarchy.ts';
import { leafExtensions, leafSubject, type LeafRole } from './leaf-profile.ts';
import { createIntermediate, createRoot, generateRsaKey, issueCertificate, issueCrl, type KeyFiles, type Window } from './issue.ts';
import { readIfExists, readJsonIfExists, writeAtomic } from './cache-files.ts';
import { pkiFiles, type PkiFiles } from './paths.ts';

export interface CaMaterial {
  /** DER. */
  certificate: Uint8Array;
  /** PKCS#8 DER. */
  privateKey: Uint8Array;
  pem: string;
}

export interface LeafMaterial {
  role: LeafRole;
  /** DER. */
  certificate: Uint8Array;
  /** PKCS#8 DER (RSA-2048). */
  privateKey: Uint8Array;
  /** Lowercase hex, as in the certificate. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CardCredentials {
  profile: CardProfile;
  /** Null when the profile's card has no such certificate (e.g. `sign-only` has no authentication one). */
  authentication: LeafMaterial | null;
  signature: LeafMaterial | null;
}

const ROLE_FILE: Record<LeafRole, string> = { authentication: 'auth', signature: 'sig' };

/** Thrown in read-only mode when something must be written: the caller retries under the lock. */
export class NeedsWrite extends Error {}

interface LeafSide { spec: string; issuer: string }
interface CrlSide { issuer: string; serials: string[]; number: number }

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function spkiOfPrivateKey(pkcs8: Uint8Array): Buffer {
  return createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }))
    .export({ type: 'spki', format: 'der' });
}

function certMatchesKey(cert: X509Certificate, pkcs8: Uint8Array): boolean {
  return cert.publicKey.export({ type: 'spki', format: 'der' }).equals(spkiOfPrivateKey(pkcs8));
}

/** A damaged file is treated as missing (re-issued), never as a crash. */
function parseCert(der: Buffer | null): X509Certificate | null {
  if (!der) return null;
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
}

function daysLeft(cert: X509Certificate, now: Date): number {
  return (new Date(cert.validTo).getTime() - now.getTime()) / DAY_MS;
}

function leafWindow(profile: CardProfile, now: Date): Window {
  const end = profile.validity === 'expired' ? -EXPIRED_SINCE_DAYS
    : profile.validity === 'expiring' ? EXPIRING_DAYS : LEAF_LIFETIME_DAYS;
  const notAfter = new Date(now.getTime() + end * DAY_MS);
  const notBefore = profile.validity === 'valid'
    ? new Date(now.getTime() - DAY_MS)
    : new Date(notAfter.getTime() - LEAF_LIFETIME_DAYS * DAY_MS);
  return { notBefore, notAfter };
}

function leafWindowStillFits(profile: CardProfile, cert: X509Certificate, now: Date): boolean {
  const left = daysLeft(cert, now);
  if (new Date(cert.validFrom).getTime() > now.getTime()) return false;
  switch (profile.validity) {
    case 'expired': return left < 0;
    case 'expiring': return left >= EXPIRING_WINDOW.min && left <= EXPIRING_WINDOW.max;
    case 'valid': return left >= LEAF_RENEW_DAYS;
  }
}

/** Everything a certificate's content depends on, hashed: a change re-issues it. */
function leafSpec(profile: CardProfile, role: LeafRole): string {
  return sha256(JSON.stringify({ GENERATOR_VERSION, role, profile }));
}

function toPem(der: Uint8Array, label: string): string {
  return x509.PemConverter.encode(der, label) + '\n';
}

interface Ca {
  cert: X509Certificate;
  der: Uint8Array;
  key: Uint8Array;
  fingerprint: string;
}

/**
 * One pass over the cache folder. Read-only: throws NeedsWrite at the first missing/stale item.
 * Writing (caller holds the lock): generates missing keys in parallel, then issues what is needed.
 */
export class PkiStore {
  private readonly files: PkiFiles;

  constructor(private readonly dir: string, private readonly write: boolean, private readonly now: Date) {
    this.files = pkiFiles(dir);
  }

  private need(what: string): void {
    if (!this.write) throw new NeedsWrite(what);
  }

  private async key(path: string, pregenerated: Map<string, Promise<KeyFiles>>): Promise<Uint8Array> {
    const existing = readIfExists(path);
    if (existing) return new Uint8Array(existing);
    this.need(path);
    const key = await (pregenerated.get(path) ?? generateRsaKey());
    writeAtomic(path, key.pkcs8, 0o600);
    return key.pkcs8;
  }

  /** Paths of every private key the profiles need that does not exist yet. */
  private missingKeys(profiles: readonly CardProfile[]): string[] {
    const paths = [join(this.dir, 'root.key'), join(this.dir, 'intermediate.key')];
    for (const p of profiles) {
      for (const role of rolesOf(p)) paths.push(join(this.dir, 'cards', p.name, `${ROLE_FILE[role]}.key`));
    }
    return paths.filter((p) => !readIfExists(p));
  }

  private pregenerate(paths: string[]): Map<string, Promise<KeyFiles>> {
    // Bounded fan-out: key generation runs on the thread pool; more at once only queues.
    const limit = Math.max(2, availableParallelism());
    const map = new Map<string, Promise<KeyFiles>>();
    const running: Promise<unknown>[] = [];
    for (const path of paths) {
      const turn = running.length >= limit ? running.shift()! : Promise.resolve();
      const key = turn.then(() => generateRsaKey());
      running.push(key.catch(() => undefined));
      map.set(path, key);
    }
    return map;
  }

  private async ca(name: 'root' | 'intermediate', issuer: Ca | null, keys: Map<string, Promise<KeyFiles>>): Promise<Ca> {
    const keyPath = join(this.dir, `${name}.key`);
    const derPath = join(this.dir, `${name}.der`);
    const key = await this.key(keyPath, keys);
    const existing = readIfExists(derPath);
    const cert = parseCert(existing);
    if (existing && cert) {
      const signedByIssuer = issuer ? cert.checkIssued(issuer.cert) && cert.verify(issuer.cert.publicKey) : true;
      if (signedByIssuer && certMatchesKey(cert, key) && daysLeft(cert, this.now) > CA_LIFETIME_DAYS / 4) {
        return { cert, der: new Uint8Array(existing), key, fingerprint: sha256(existing) };
      }
    }
    this.need(derPath);
    const keyFiles: KeyFiles = { pkcs8: key, spki: new Uint8Array(spkiOfPrivateKey(key)) };
    const issued = issuer
      ? await createIntermediate(keyFiles, new x509.X509Certificate(issuer.der), issuer.key, this.now)
      : await createRoot(keyFiles, this.now);
    const der = new Uint8Array(issued.rawData);
    writeAtomic(derPath, der);
    writeAtomic(join(this.dir, `${name}.pem`), toPem(der, 'CERTIFICATE'));
    return { cert: new X509Certificate(der), der, key, fingerprint: sha256(der) };
  }

  private async leaf(profile: CardProfile, role: LeafRole, ca: Ca, keys: Map<string, Promise<KeyFiles>>): Promise<LeafMaterial> {
    const base = join(this.dir, 'cards', profile.name, ROLE_FILE[role]);
    const key = await this.key(`${base}.key`, keys);
    const spec = leafSpec(profile, role);
    const side = readJsonIfExists<LeafSide>(`${base}.json`);
    const existing = readIfExists(`${base}.der`);
    let cert = parseCert(existing);
    let der = existing ? new Uint8Array(existing) : null;
    const fresh = cert && side && side.spec === spec && side.issuer === ca.fingerprint
      && certMatchesKey(cert, key) && leafWindowStillFits(profile, cert, this.now);
    if (!fresh) {
      this.need(`${base}.der`);
      const issued = await issueCertificate({
        subject: leafSubject(profile),
        subjectKey: new Uint8Array(spkiOfPrivateKey(key)),
        issuer: new x509.X509Certificate(ca.der),
        issuerKey: ca.key,
        window: leafWindow(profile, this.now),
        extensions: leafExtensions(profile, role),
      });
      der = new Uint8Array(issued.rawData);
      writeAtomic(`${base}.der`, der);
      writeAtomic(`${base}.json`, JSON.stringify({ spec, issuer: ca.fingerprint } satisfies LeafSide));
      cert = new X509Certificate(der);
    }
    return {
      role,
      certificate: der!,
      privateKey: key,
      serialNumber: cert!.serialNumber.toLowerCase(),
      notBefore: new Date(cert!.validFrom),
      notAfter: new Date(cert!.validTo),
    };
  }

  private async crl(path: string, issuer: Ca, serials: string[]): Promise<Uint8Array> {
    const sidePath = path.replace(/\.der$/, '.json');
    const side = readJsonIfExists<CrlSide>(sidePath);
    const existing = readIfExists(path);
    const wanted = [...serials].sort();
    if (existing && side && side.issuer === issuer.fingerprint && JSON.stringify(side.serials) === JSON.stringify(wanted)) {
      let nextUpdate: Date | undefined;
      try {
        nextUpdate = new x509.X509Crl(existing).nextUpdate;
      } catch {
        nextUpdate = undefined;
      }
      if (nextUpdate && (nextUpdate.getTime() - this.now.getTime()) / DAY_MS > CRL_RENEW_DAYS) return new Uint8Array(existing);
    }
    this.need(path);
    const number = (side?.number ?? 0) + 1;
    const crl = await issueCrl({ issuer: new x509.X509Certificate(issuer.der), issuerKey: issuer.key, serials: wanted, now: this.now, crlNumber: number });
    const der = new Uint8Array(crl.rawData);
    writeAtomic(path, der);
    if (path === this.files.crl) writeAtomic(this.files.crlPem, toPem(der, 'X509 CRL'));
    writeAtomic(sidePath, JSON.stringify({ issuer: issuer.fingerprint, serials: wanted, number } satisfies CrlSide));
    return der;
  }

  async run(profileNames: readonly string[]): Promise<LoadedPki> {
    const profiles = profileNames.map((n) => PROFILES[n]!);
    if (this.write) mkdirSync(join(this.dir, 'cards'), { recursive: true });
    const keys = this.write ? this.pregenerate(this.missingKeys(profiles)) : new Map<string, Promise<KeyFiles>>();
    const root = await this.ca('root', null, keys);
    const intermediate = await this.ca('intermediate', root, keys);

    const cards: Record<string, CardCredentials> = {};
    for (const profile of profiles) {
      const [authentication, signature] = await Promise.all([
        profile.authentication ? this.leaf(profile, 'authentication', intermediate, keys) : null,
        profile.signature ? this.leaf(profile, 'signature', intermediate, keys) : null,
      ]);
      cards[profile.name] = { profile, authentication, signature };
    }

    const revokedSerials = Object.values(cards)
      .filter((c) => c.profile.revoked)
      .flatMap((c) => [c.authentication, c.signature])
      .filter((l): l is LeafMaterial => l !== null)
      .map((l) => l.serialNumber);
    const crl = await this.crl(this.files.crl, intermediate, revokedSerials);
    await this.crl(this.files.rootCrl, root, []);

    const rootPem = toPem(root.der, 'CERTIFICATE');
    const intermediatePem = toPem(intermediate.der, 'CERTIFICATE');
    const trust = rootPem + intermediatePem;
    if (readIfExists(this.files.trustPem)?.toString('utf8') !== trust) {
      this.need(this.files.trustPem);
      writeAtomic(this.files.trustPem, trust);
    }
    return {
      files: this.files,
      root: { certificate: root.der, privateKey: root.key, pem: rootPem },
      intermediate: { certificate: intermediate.der, privateKey: intermediate.key, pem: intermediatePem },
      crl,
      revokedSerials,
      cards,
    };
  }
}

export interface LoadedPki {
  files: PkiFiles;
  root: CaMaterial;
  intermediate: CaMaterial;
  /** DER of the intermediate's CRL. */
  crl: Uint8Array;
  /** Lowercase hex serials listed in that CRL. */
  revokedSerials: string[];
  cards: Record<string, CardCredentials>;
}

function rolesOf(profile: CardProfile): LeafRole[] {
  const roles: LeafRole[] = [];
  if (profile.authentication) roles.push('authentication');
  if (profile.signature) roles.push('signature');
  return roles;
}
