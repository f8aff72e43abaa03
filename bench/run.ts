// `npm run --silent bench -- <name> [options]`: runs bench/<name>.ts in its own process (its argv starts at the
// options), passing its output through. Each bench prints JSON lines; the last one is the headline.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(path.join(dir, `${name}.ts`))) {
  process.stderr.write(`usage: npm run --silent bench -- <name> [options]\nbenches: ${available.join(', ')}\n`);
  process.exit(2);
}

const tsx = (() => { try { return import.meta.resolve('tsx'); } catch { return 'tsx'; } })();
const child = spawn(process.execPath, ['--import', tsx, path.join(dir, `${name}.ts`), ...rest], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
