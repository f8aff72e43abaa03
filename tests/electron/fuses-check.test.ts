// scripts/ci/fuses-check.mjs (run by the CI jobs on the installed app) against executables made here: a fuse wire as
// Electron lays it out (sentinel, version, length, one byte per fuse), set as build/electron-builder.yml asks, then
// with one fuse left on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));
const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, number> };
const { FuseState, SENTINEL } = require('@electron/fuses/dist/constants') as { FuseState: Record<string, number>; SENTINEL: string };
let tmp: string;
before(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'cpx-fuses-')); });
after(async () => { await rm(tmp, { recursive: true, force: true }); });

/** A file with Electron's fuse wire in the middle of other bytes; `on` lists the fuses enabled. */
async function fakeExecutable(name: string, on: number[]): Promise<string> {
  const fuses = [...Array(8).keys()].map((i) => (on.includes(i) ? FuseState.ENABLE : FuseState.DISABLE));
  const file = path.join(tmp, name);
  await writeFile(file, Buffer.concat([Buffer.alloc(64, 7), Buffer.from(SENTINEL), Buffer.from([1, fuses.length, ...fuses]), Buffer.alloc(64, 7)]));
  return file;
}

const check = async (exe: string) => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'scripts/ci/fuses-check.mjs'), exe], { cwd: root });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
};

test('an executable with the fuses electron-builder.yml sets passes; one with RunAsNode left on fails, naming it', async () => {
  const asConfigured = [FuseV1Options.EnableCookieEncryption, FuseV1Options.EnableEmbeddedAsarIntegrityValidation, FuseV1Options.OnlyLoadAppFromAsar];
  const good = await check(await fakeExecutable('good', asConfigured));
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /has the 8 fuses build\/electron-builder\.yml sets/);
  const bad = await check(await fakeExecutable('bad', [...asConfigured, FuseV1Options.RunAsNode]));
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /✗ runAsNode: ENABLE \(wanted DISABLE\)/);
  assert.match(bad.out, /differs from build\/electron-builder\.yml on runAsNode$/m);
});
