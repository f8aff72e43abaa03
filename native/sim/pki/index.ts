// Test PKI shaped like IGC-Santé (TEST root → TEST "FORT PERSONNES" intermediate → card certificates + CRL),
// generated once per checkout under <repo>/.cache/pki and reused. See hierarchy.ts for names, OIDs and lifetimes.
//
// Files in the cache folder (all DER unless .pem):
//   trust.pem                    test root + intermediate (CPX_TEST_TRUST)
//   crl.der / crl.pem            intermediate's CRL, DER (CPX_TEST_CRL) / PEM; lists the `revoked` profile's certificates
//   root-crl.der                 root's CRL (empty)
//   root.{der,pem,key} intermediate.{der,pem,key}
//   cards/<profile>/{auth,sig}.{der,key,json}   certificate, PKCS#8 key, side file (what it was issued from)

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILE_NAMES, getProfile } from '../profiles.ts';
import { withDirLock } from './cache-files.ts';
import { pkiFiles } from './paths.ts';
import type { CardCredentials, LoadedPki } from './store.ts';

export type { CaMaterial, CardCredentials, LeafMaterial } from './store.ts';
export type { PkiFiles } from './paths.ts';
export type { LeafRole } from './leaf-profile.ts';

export interface TestPki extends LoadedPki {
  dir: string;
  trustPemPath: string;
  /** DER file. */
  crlPath: string;
  /** The card's certificates and keys; throws for an unknown profile (the message lists the valid ones). */
  card(profile: string): CardCredentials;
}

export interface EnsurePkiOptions {
  /** Only these profiles (tests that need a private cache folder but not every card). Default: all. */
  profiles?: readonly string[];
  /** Clock used for validity windows (tests). */
  now?: Date;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function defaultPkiDir(): string {
  return join(REPO_ROOT, '.cache', 'pki');
}

/** PEM file holding the test root and intermediate. Exists once ensurePki() has run for that folder. */
export function trustPemPath(cacheDir: string = defaultPkiDir()): string {
  return pkiFiles(cacheDir).trustPem;
}

/** The test CRL, DER-encoded (the real IGC-Santé CRLs are DER too). Exists once ensurePki() has run. */
export function crlPath(cacheDir: string = defaultPkiDir()): string {
  return pkiFiles(cacheDir).crl;
}

/**
 * Returns the test PKI in `cacheDir`, creating or refreshing what is missing. Fast when the cache is complete
 * (reads files only); the first call in a checkout generates ~25 RSA-2048 keys (a few seconds). Safe when
 * several processes call it at once.
 */
export async function ensurePki(cacheDir: string = defaultPkiDir(), options: EnsurePkiOptions = {}): Promise<TestPki> {
  const dir = resolve(cacheDir);
  const names = options.profiles ?? PROFILE_NAMES;
  for (const n of names) getProfile(n);
  const now = options.now ?? new Date();
  // Loaded on first use: importing this module for the paths alone stays cheap (no X.509 library).
  const { NeedsWrite, PkiStore } = await import('./store.ts');
  let loaded: LoadedPki;
  try {
    loaded = await new PkiStore(dir, false, now).run(names);
  } catch (e) {
    if (!(e instanceof NeedsWrite)) throw e;
    loaded = await withDirLock(dir, () => new PkiStore(dir, true, now).run(names));
  }
  return {
    ...loaded,
    dir,
    trustPemPath: loaded.files.trustPem,
    crlPath: loaded.files.crl,
    card(profile: string): CardCredentials {
      getProfile(profile);
      const credentials = loaded.cards[profile];
      if (!credentials) throw new Error(`profile ${profile} was not generated in this PKI (options.profiles)`);
      return credentials;
    },
  };
}
