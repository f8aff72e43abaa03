// A module someone configured on purpose (policy, setting, CPX_PKCS11_MODULE) that cannot be loaded is reported as
// such — which setting, which path, why — and no other middleware is used in its place, even one that would load.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModuleCandidate } from '../../native/pkcs11/candidates.ts';
import { LoadedModule } from '../../native/pkcs11/module-host.ts';
import { noModuleError, realProbeDeps, selectModule } from '../../native/pkcs11/probe.ts';
import { errorMessage } from '../../protocol/errors.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { errorCode, foreignArchLibraries, SOFTHSM, startService } from './harness.ts';

const cand = (p: string, source: ModuleCandidate['source']): ModuleCandidate => ({ path: p, source, expectedArch: process.arch });
const open = (p: string) => LoadedModule.open(p);

let dir: string;
let sim: Sim;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cpx-explicit-'));
  // SoftHSM is the module that *would* load behind the configured one: it needs a configuration to initialise.
  process.env.SOFTHSM2_CONF = path.join(dir, 'softhsm2.conf');
  writeFileSync(process.env.SOFTHSM2_CONF, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  sim = await makeSim({ readers: 1 });
});
after(async () => {
  await sim?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('a configured module that is missing ends the selection: the loadable OpenSC-like module after it is not used', (t) => {
  const missing = path.join(dir, 'cpx-check.so');
  const sel = selectModule([cand(missing, 'environment'), cand(SOFTHSM, 'opensc')], { ...realProbeDeps, open }, 'en');
  t.after(() => sel.module?.finalize());
  assert.equal(sel.module, null, 'no silent fallback');
  assert.deepEqual(sel.diagnoses.map((d) => d.status), ['not-found', 'found']);
  assert.match(sel.diagnoses[0]!.message, /configured by CPX_PKCS11_MODULE/);
  assert.match(sel.diagnoses[1]!.message, /not tried: only the configured module is used/);
  const e = noModuleError(sel.diagnoses);
  assert.equal(e.code, 'MODULE_NOT_FOUND');
  assert.deepEqual(e.params, { variant: 'configured', setting: 'CPX_PKCS11_MODULE', path: missing });
  const fr = errorMessage(e.code, 'fr', e.params);
  assert.ok(fr.includes(`(CPX_PKCS11_MODULE = ${missing})`), fr);
  assert.doesNotMatch(fr, /Installez-le depuis le site de l'ANS/, 'not the "install Cryptolib" advice');
  assert.ok(errorMessage(e.code, 'en', e.params).includes(missing));
});

test('a configured module that fails to load or has the wrong architecture: its own code, the setting, the path and why', (t) => {
  const notALibrary = path.join(dir, 'not-a-library.so');
  writeFileSync(notALibrary, 'this is text, not a shared object\n');
  const { elf32 } = foreignArchLibraries(dir);
  const pick = (p: string, source: ModuleCandidate['source']) => {
    const sel = selectModule([cand(p, source), cand(SOFTHSM, 'cryptolib')], { ...realProbeDeps, open }, 'fr');
    t.after(() => sel.module?.finalize());
    assert.equal(sel.module, null, `${source}: no fallback`);
    assert.equal(sel.diagnoses[1]!.status, 'found');
    return noModuleError(sel.diagnoses);
  };
  const failed = pick(notALibrary, 'setting');
  assert.equal(failed.code, 'MODULE_LOAD_FAILED');
  assert.equal(failed.params.setting, 'pkcs11Module');
  assert.equal(failed.params.path, notALibrary);
  assert.match(String(failed.params.detail), /invalid ELF header|too short/i, 'the loader’s own words');
  assert.match(errorMessage(failed.code, 'fr', failed.params), /n'a pas pu être chargé \((invalid ELF header|file too short)/i);
  const wrong = pick(elf32, 'policy');
  assert.equal(wrong.code, 'MODULE_WRONG_ARCH');
  assert.equal(wrong.params.setting, 'Pkcs11Module');
  assert.match(errorMessage(wrong.code, 'en', wrong.params), /\(Pkcs11Module = .*lib32\.so\) is not built for this software’s architecture \(elf ia32/);
});

test('OS candidates still fall through to the next one, and a configured module that loads is used', (t) => {
  const missing = path.join(dir, 'libcps3_pkcs11_lux.so');
  const os = selectModule([cand(missing, 'cryptolib'), cand(SOFTHSM, 'opensc')], { ...realProbeDeps, open }, 'en');
  t.after(() => os.module?.finalize());
  assert.equal(os.module?.path, SOFTHSM);
  os.module?.finalize();
  const configured = selectModule([cand(SOFTHSM, 'setting'), cand(missing, 'cryptolib')], { ...realProbeDeps, open }, 'en');
  t.after(() => configured.module?.finalize());
  assert.equal(configured.module?.path, SOFTHSM);
  assert.deepEqual(configured.diagnoses.map((d) => d.status), ['loaded', 'not-found']);
});

test('the card service: a user setting naming a missing module is its NO_MODULE state, every request and diagnose say so', async (t) => {
  const missing = path.join(dir, 'setting-module.so');
  // The simulator is a loadable candidate here (CPX_PKCS11_MODULE), exactly what a silent fallback would pick.
  const h = await startService({ ...sim.env, CPX_PKCS11_MODULE_ONLY: '0' }, { modulePath: missing, modulePathSource: 'setting', lang: 'en' });
  t.after(() => h.close());
  const state = await h.client.request('state', {});
  assert.equal(state.kind, 'NO_MODULE');
  assert.equal(state.module?.code, 'MODULE_NOT_FOUND');
  assert.equal(state.module?.path, missing);
  assert.equal(state.module?.source, 'setting');
  assert.ok(state.module?.message.includes(`(pkcs11Module = ${missing})`), state.module?.message);
  assert.ok(h.states.some((s) => s.kind === 'NO_MODULE' && s.module?.path === missing), 'pushed to the app as a state event');
  assert.equal(await errorCode(h.client.request('cards', {})), 'MODULE_NOT_FOUND');
  const d = await h.client.request('diagnose', {});
  assert.deepEqual(d.modules.slice(0, 2).map((m) => [m.path, m.status]), [[missing, 'not-found'], [sim.module, 'found']]);
  assert.deepEqual(d.readers, [], 'the simulator’s reader is not used behind the setting’s back');
  assert.deepEqual(d.moduleError, state.module);
  assert.deepEqual(d.advice, [state.module!.message]);
});
