// CI: the `_electron` suite (tests/electron/shell.test.ts) for real. Where the suite would skip (no Electron binary)
// this fails instead: a CI job that meant to drive Electron must not pass without having done it. On Linux without a
// display it runs under xvfb-run. CPX_ELECTRON_APP (passed through) points the suite at an installed app's
// resources/app.asar. Usage: npm run ci:electron-suite

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = ['--import', 'tsx', '--test', '--test-reporter=tap', 'tests/electron/shell.test.ts'];
const [command, args] = process.platform === 'linux' && !process.env.DISPLAY
  ? ['xvfb-run', ['-a', process.execPath, ...suite]]
  : [process.execPath, suite];

console.log(`» ${path.basename(command)} ${args.join(' ')}${process.env.CPX_ELECTRON_APP ? `  (app: ${process.env.CPX_ELECTRON_APP})` : ''}`);
const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let tap = '';
child.stdout.setEncoding('utf8').on('data', (chunk) => { tap += chunk; process.stdout.write(chunk); });
const code = await new Promise((resolve) => child.once('exit', resolve));

const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const [pass, fail, skipped] = ['pass', 'fail', 'skipped'].map(count);
if (code !== 0 || fail > 0) {
  console.error(`electron-suite: ${fail} failed (exit ${code})`);
  process.exit(1);
}
if (skipped > 0 || pass === 0) {
  console.error(`electron-suite: the suite did not run (${pass} passed, ${skipped} skipped): is Electron's binary installed `
    + '(npm ci without ELECTRON_SKIP_BINARY_DOWNLOAD)?');
  process.exit(1);
}
console.log(`electron-suite: ${pass} passed against ${process.env.CPX_ELECTRON_APP ?? 'a fresh bundle of this checkout'}`);
