// The electronegativity gate (scripts/electronegativity.mjs) fails on planted insecure code, in sources and in a
// bundle, and lets through only a finding explained on its own line with a reason. Two runs of the gate (it takes
// seconds each): one where everything planted must be caught, one where everything planted is explained.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '../..');
const gate = path.join(root, 'scripts/electronegativity.mjs');
let tmp: string;
before(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'cpx-eneg-test-')); });
after(async () => { await rm(tmp, { recursive: true, force: true }); });

async function runGate(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [gate, ...args], { cwd: root, timeout: 180_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// What the app does right, so the tool's global checks stay quiet: navigation limited, new windows denied,
// permissions refused.
const BASELINE = [
  "import { BrowserWindow, session, shell, type WebContents } from 'electron';",
  "export function guard(c: WebContents): void { c.on('will-navigate', (e) => e.preventDefault()); c.setWindowOpenHandler(() => ({ action: 'deny' })); }",
  'session.defaultSession.setPermissionRequestHandler((_w, _p, cb) => cb(false));',
];
const OPEN = 'export const open = (url: string) => shell.openExternal(url);';
const WHY = ' // eng-disable OPEN_EXTERNAL_JS_CHECK — planted, explained';

/** A source folder with one file: the baseline, then `lines` (so the first planted line is line 4). */
async function sources(name: string, lines: string[]): Promise<{ dir: string; file: string }> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'window.ts');
  await writeFile(file, [...BASELINE, ...lines, ''].join('\n'));
  return { dir, file };
}

/** An assembled app as build/bundle.mjs lays it out: the bundle in app/, its source map in electron/, a page with a CSP. */
async function app(name: string, lines: string[]): Promise<string> {
  const src = await sources(`${name}-src`, lines);
  const dist = path.join(tmp, `${name}-dist`);
  await esbuild.build({ entryPoints: [src.file], bundle: true, format: 'cjs', platform: 'node', external: ['electron'],
    sourcemap: 'linked', outfile: path.join(dist, 'electron/main.cjs'), logLevel: 'silent' });
  await mkdir(path.join(dist, 'app'), { recursive: true });
  await copyFile(path.join(dist, 'electron/main.cjs'), path.join(dist, 'app/main.cjs'));
  await writeFile(path.join(dist, 'app/index.html'),
    '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'" /></head></html>\n');
  return path.join(dist, 'app');
}

test('planted insecure code fails the gate, each finding named with its line: a window, an unchecked openExternal, '
  + 'a suppression that says no why, and the same openExternal in a bundle, traced to its source line', async () => {
  const insecure = await sources('insecure', [
    'export const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });',
    OPEN,
  ]);
  const silent = await sources('silent', [`${OPEN} // eng-disable OPEN_EXTERNAL_JS_CHECK`]);
  const bundled = await app('bare', [OPEN]);
  const { code, out } = await runGate(['--source', insecure.dir, '--source', silent.dir, '--app', bundled]);
  assert.equal(code, 1, out);
  for (const check of ['NODE_INTEGRATION_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']) {
    assert.match(out, new RegExp(`✗ ${check} \\w+ at .*insecure/window\\.ts:4 `), check);
  }
  assert.match(out, /✗ OPEN_EXTERNAL_JS_CHECK MEDIUM at .*insecure\/window\.ts:5 /);
  assert.match(out, /✗ .*silent\/window\.ts:4: eng-disable OPEN_EXTERNAL_JS_CHECK says no why/);
  assert.match(out, /✗ OPEN_EXTERNAL_JS_CHECK MEDIUM in the bundled app at main\.cjs:\d+ \(from .*bare-src\/window\.ts:4\)/);
  assert.doesNotMatch(out, /✗ .*GLOBAL_CHECK/, 'the baseline satisfies the global checks: only the planted lines fail');
});

test('the same findings each explained on their own line with a reason pass, and the bundle\'s is traced to that comment', async () => {
  const explained = await sources('explained', [`${OPEN}${WHY}`]);
  const bundled = await app('commented', [`${OPEN}${WHY}`]);
  const { code, out } = await runGate(['--source', explained.dir, '--app', bundled]);
  assert.equal(code, 0, out);
  assert.match(out, /suppressed OPEN_EXTERNAL_JS_CHECK at .*explained\/window\.ts:4: planted, explained/);
  assert.match(out, /explained: OPEN_EXTERNAL_JS_CHECK in main\.cjs:\d+ ← .*commented-src\/window\.ts:4/);
  assert.match(out, /0 findings left unexplained/);
});
