// Writes the copy of the service's regions (server/config/regions.json, checked by server/regions.ts) that ships with
// the app, so "Comment obtenir un compte ?" and the support contacts still show when the service cannot be reached.
// The service's own answer replaces it whenever it answers.
//
//   node --import tsx build/gen-regions.ts            rewrites electron/core/shipped-regions.json
//   node --import tsx build/gen-regions.ts --check    exit 1 when the committed copy is out of date

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRegions } from '../server/regions.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHIPPED_REGIONS = 'electron/core/shipped-regions.json';

export function shippedRegionsText(): string {
  return `${JSON.stringify(loadRegions(), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.join(REPO, SHIPPED_REGIONS);
  const text = shippedRegionsText();
  if (process.argv.includes('--check')) {
    if (readFileSync(file, 'utf8') !== text) {
      console.error(`${SHIPPED_REGIONS} is out of date: run node --import tsx build/gen-regions.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(file, text);
  }
}
