// Diagnosing middleware candidates with the real loader: a module that loads, one missing, one that is not a
// library, and libraries built for another CPU (32-bit, ARM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModuleCandidate } from '../../native/pkcs11/candidates.ts';
import { LoadedModule } from '../../native/pkcs11/module-host.ts';
import { diagnoseCandidate, noModuleError, realProbeDeps, selectModule } from '../../native/pkcs11/probe.ts';
import { foreignArchLibraries, SOFTHSM } from './harness.ts';

// OS candidates (not configured by anyone): each failure lets the selection go on to the next one.
const cand = (p: string): ModuleCandidate => ({ path: p, source: 'cryptolib', expectedArch: process.arch });

function fixtures(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-probe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  process.env.SOFTHSM2_CONF = path.join(dir, 'softhsm2.conf');
  writeFileSync(process.env.SOFTHSM2_CONF, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const notALibrary = path.join(dir, 'not-a-library.so');
  writeFileSync(notALibrary, 'this is text, not a shared object\n');
  return {
    missing: path.join(dir, 'missing.so'),
    notALibrary,
    ...foreignArchLibraries(dir),
  };
}

test('each failure has its own diagnosis; a loadable module reports C_GetInfo', (t) => {
  const f = fixtures(t);
  const d = (p: string) => diagnoseCandidate(cand(p), realProbeDeps, 'en');
  const ok = d(SOFTHSM);
  assert.equal(ok.status, 'loaded');
  assert.equal(ok.manufacturer, 'SoftHSM');
  assert.match(ok.version!, /^\d+\.\d+$/);
  assert.equal(ok.cryptokiVersion, '2.40');
  assert.equal(d(f.missing).status, 'not-found');
  const bad = d(f.notALibrary);
  assert.equal(bad.status, 'load-failed');
  assert.match(bad.message, /invalid ELF header|too short/i, 'the loader’s own message is kept');
  const w32 = d(f.elf32);
  assert.equal(w32.status, 'wrong-arch');
  assert.match(w32.message, /ia32/);
  // glibc says "No such file or directory" for an ARM library: the header says what it really is.
  assert.equal(d(f.arm64).status, 'wrong-arch');
  assert.equal(diagnoseCandidate(cand(SOFTHSM), realProbeDeps, 'fr', false).status, 'found');
});

test('a 32-bit library that gets past the header check is still classed by the loader message', (t) => {
  const f = fixtures(t);
  const d = diagnoseCandidate(cand(f.elf32), { ...realProbeDeps, readArch: () => null }, 'en');
  assert.equal(d.status, 'wrong-arch');
  assert.match(d.message, /ELFCLASS32/);
});

test('selection keeps the first module that loads and only checks presence of the later ones', (t) => {
  const f = fixtures(t);
  const sel = selectModule([cand(f.missing), cand(f.elf32), cand(f.notALibrary), cand(SOFTHSM), cand(SOFTHSM + '.x'), cand(f.arm64)],
    { ...realProbeDeps, open: (p) => LoadedModule.open(p) }, 'fr');
  t.after(() => sel.module?.finalize());
  assert.equal(sel.module?.path, SOFTHSM);
  assert.deepEqual(sel.diagnoses.map((x) => x.status), ['not-found', 'wrong-arch', 'load-failed', 'loaded', 'not-found', 'wrong-arch']);
  assert.ok(sel.module!.slots().length >= 1, 'the selected module is initialised and usable');
});

test('no usable module: wrong architecture is the most useful thing to say, then load failure, then not found', (t) => {
  const f = fixtures(t);
  const open = (p: string) => LoadedModule.open(p);
  const codeFor = (paths: string[]) => noModuleError(selectModule(paths.map(cand), { ...realProbeDeps, open }, 'fr').diagnoses).code;
  assert.equal(codeFor([f.missing, f.notALibrary, f.elf32]), 'MODULE_WRONG_ARCH');
  assert.equal(codeFor([f.missing, f.notALibrary]), 'MODULE_LOAD_FAILED');
  assert.equal(codeFor([f.missing]), 'MODULE_NOT_FOUND');
});
