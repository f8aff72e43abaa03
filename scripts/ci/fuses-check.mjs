// CI: the Electron fuses burnt into a packaged executable are the ones build/electron-builder.yml asks for (read with
// @electron/fuses, the library electron-builder flips them with). Exits non-zero and names each fuse that differs.
// Usage: node scripts/ci/fuses-check.mjs <executable>   (CPxLink.exe, /opt/CPx Link/cpx-link, or a .app)

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const { FuseV1Options, getCurrentFuseWire } = require('@electron/fuses');
const { FuseState } = require('@electron/fuses/dist/constants'); // not re-exported by the package's index
const { getConfig } = require('app-builder-lib/out/util/config/config');

const exe = process.argv[2];
if (!exe) {
  console.error('usage: node scripts/ci/fuses-check.mjs <executable>');
  process.exit(2);
}

const quiet = console.log;
let wanted;
try {
  console.log = () => {}; // electron-builder's config loader talks; only its result matters here
  wanted = (await getConfig(root, path.join(root, 'build/electron-builder.yml'), null)).electronFuses;
} finally {
  console.log = quiet;
}

const wire = await getCurrentFuseWire(exe);
const wrong = [];
for (const [key, on] of Object.entries(wanted)) {
  const option = FuseV1Options[key[0].toUpperCase() + key.slice(1)];
  if (option === undefined) { wrong.push(`${key}: not a fuse this Electron knows`); continue; }
  const state = wire[option];
  const ok = state === (on ? FuseState.ENABLE : FuseState.DISABLE);
  console.log(`${ok ? '✓' : '✗'} ${key}: ${FuseState[state] ?? state} (wanted ${on ? 'ENABLE' : 'DISABLE'})`);
  if (!ok) wrong.push(key);
}
if (wrong.length > 0) {
  console.error(`fuses-check: ${path.basename(exe)} differs from build/electron-builder.yml on ${wrong.join(', ')}`);
  process.exit(1);
}
console.log(`fuses-check: ${path.basename(exe)} has the ${Object.keys(wanted).length} fuses build/electron-builder.yml sets`);
