// Renderer bundle size: the JS and CSS the desktop app loads (renderer/dist/assets after `npm run build:renderer`),
// gzip level 9, as shipped to a workstation. Goal: ≤ 120 KB gzip. One JSON line per file, then the headline.
// Builds the renderer first unless BENCH_NO_BUILD=1 (measure what is there).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const assets = path.join(root, 'renderer', 'dist', 'assets');
const GOAL_KB = 120;

if (process.env.BENCH_NO_BUILD !== '1') {
  execFileSync('npm', ['run', '--silent', 'build:renderer'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

let raw = 0;
let gz = 0;
const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f)).sort();
for (const f of files) {
  const data = readFileSync(path.join(assets, f));
  const size = gzipSync(data, { level: 9 }).length;
  raw += statSync(path.join(assets, f)).size;
  gz += size;
  console.log(JSON.stringify({ bench: 'bundle', file: f, bytes: data.length, gzipBytes: size }));
}
const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
console.log(JSON.stringify({ bench: 'bundle', files: files.length, rawKB: kb(raw), gzipKB: kb(gz), goalKB: GOAL_KB, withinGoal: gz / 1024 <= GOAL_KB }));
