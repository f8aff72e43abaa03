// Which certificate authorities and revocation lists the service trusts: --trust / --crl when given, else
// the simulator's test PKI from CPX_TEST_TRUST / CPX_TEST_CRL (what `cards env` exports), else the real
// IGC-Santé "PERSONNES" chains bundled in server/config/igc-sante/ with CRLs fetched from their distribution
// points. Test anchors are announced loudly: with them, real cards are refused and test cards accepted.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const IGC_SANTE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'config', 'igc-sante');

export type Revocation = 'hard' | 'soft' | 'off';

export interface TrustSettings {
  source: 'options' | 'environment' | 'igc-sante';
  anchorFiles: string[];
  /** One PEM block per certificate. */
  anchors: string[];
  anchorSubjects: string[];
  crlFiles: string[];
  /** Fetch CRLs from the certificates' distribution points (when no CRL file is configured). */
  fetchCrls: boolean;
  /** True when any anchor is not a real IGC-Santé authority. */
  testAnchors: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readAnchors(files: string[]): { anchors: string[]; subjects: string[] } {
  const anchors: string[] = [];
  const subjects: string[] = [];
  for (const file of files) {
    const blocks = readFileSync(file, 'utf8').match(PEM_BLOCK) ?? [];
    if (!blocks.length) throw new Error(`${file}: no PEM certificate found`);
    for (const pem of blocks) {
      anchors.push(pem);
      subjects.push(new X509Certificate(pem).subject.replace(/\n/g, ', '));
    }
  }
  return { anchors, subjects };
}

function bundledFiles(): string[] {
  return readdirSync(IGC_SANTE_DIR).filter((f) => f.endsWith('.pem')).sort().map((f) => join(IGC_SANTE_DIR, f));
}

/** Fingerprints of the bundled real authorities: an anchor is "real" only if it is one of them, byte for byte. */
function realFingerprints(): Set<string> {
  return new Set(readAnchors(bundledFiles()).anchors.map((pem) => new X509Certificate(pem).fingerprint256));
}

export function resolveTrust(opts: { trust?: string[]; crl?: string[] }, env: NodeJS.ProcessEnv = process.env): TrustSettings {
  let source: TrustSettings['source'];
  let anchorFiles: string[];
  let crlFiles: string[];
  if (opts.trust?.length) {
    source = 'options'; anchorFiles = opts.trust; crlFiles = opts.crl ?? [];
  } else if (env.CPX_TEST_TRUST) {
    source = 'environment'; anchorFiles = [env.CPX_TEST_TRUST]; crlFiles = opts.crl?.length ? opts.crl : env.CPX_TEST_CRL ? [env.CPX_TEST_CRL] : [];
  } else {
    source = 'igc-sante';
    anchorFiles = bundledFiles();
    crlFiles = opts.crl ?? [];
  }
  const { anchors, subjects } = readAnchors(anchorFiles);
  const real = realFingerprints();
  return {
    source, anchorFiles, anchors, anchorSubjects: subjects, crlFiles, fetchCrls: crlFiles.length === 0,
    testAnchors: anchors.some((pem) => !real.has(new X509Certificate(pem).fingerprint256)),
  };
}

export function trustWarning(t: TrustSettings): string | null {
  if (!t.testAnchors) return null;
  return `ATTENTION : le service fait confiance à des autorités de TEST (${t.anchorFiles.join(', ')}) : `
    + 'les cartes simulées sont acceptées, les vraies cartes CPx refusées. Ne pas utiliser en production.';
}
