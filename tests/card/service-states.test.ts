// What the watcher and the requests say when something is missing: no module, no reader, no card, a card that
// is not a CPx card; and diagnose's view of the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as control from '../../native/sim/control.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { errorCode, newNonce, pinBytes, startService, type Harness } from './harness.ts';

const OPENSC = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
let sim: Sim;

before(async () => { sim = await makeSim({ readers: 2 }); });
after(async () => { await sim?.cleanup(); });

const authenticate = (h: Harness) => h.client.request('authenticate', { origin: 'https://example.org', nonce: newNonce(), pin: pinBytes('1234') });

test('module missing: NO_MODULE state with MODULE_NOT_FOUND, every card request refused with it', async (t) => {
  const h = await startService({ ...sim.env, CPX_PKCS11_MODULE: path.join(sim.dir, 'no-such-module.so') });
  t.after(() => h.close());
  const state = await h.client.request('state', {});
  assert.equal(state.kind, 'NO_MODULE');
  assert.equal(state.module?.code, 'MODULE_NOT_FOUND');
  assert.equal(await errorCode(h.client.request('cards', {})), 'MODULE_NOT_FOUND');
  assert.equal(await errorCode(authenticate(h)), 'MODULE_NOT_FOUND');
  const d = await h.client.request('diagnose', {});
  assert.deepEqual(d.modules.map((m) => m.status), ['not-found']);
  // Configured through CPX_PKCS11_MODULE: the advice is about that setting, not about installing Cryptolib.
  assert.match(d.advice.join('\n'), /CPX_PKCS11_MODULE = .*no-such-module\.so/);
});

test('a module that is not a library: MODULE_LOAD_FAILED with the loader message', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-badmod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'libcps3_pkcs11_lux.so');
  writeFileSync(bad, 'not an ELF file, just text long enough to be read as a header by the loader\n'.repeat(4));
  const h = await startService({ ...sim.env, CPX_PKCS11_MODULE: bad });
  t.after(() => h.close());
  const state = await h.client.request('state', {});
  assert.equal(state.module?.code, 'MODULE_LOAD_FAILED');
  const d = await h.client.request('diagnose', {});
  assert.equal(d.modules[0]!.status, 'load-failed');
  assert.match(d.modules[0]!.message, /ELF/);
});

test('no reader: a real module with zero slots (OpenSC without PC/SC readers) is NO_READER', { skip: !existsSync(OPENSC) && 'OpenSC not installed' }, async (t) => {
  const h = await startService({ CPX_PKCS11_MODULE: OPENSC });
  t.after(() => h.close());
  const state = await h.client.request('state', {});
  assert.equal(state.kind, 'NO_READER');
  assert.deepEqual(await h.client.request('cards', {}), []);
  assert.equal(await errorCode(authenticate(h)), 'NO_READER');
  const d = await h.client.request('diagnose', {});
  assert.equal(d.modules[0]!.manufacturer, 'OpenSC Project');
  assert.deepEqual(d.readers, []);
  assert.match(d.advice.join('\n'), /lecteur/);
});

test('readers without a card: NO_CARD, and the insertion is pushed with the identity already read', async (t) => {
  const h = await startService(sim.env);
  t.after(() => h.close());
  const state = await h.client.request('state', {});
  assert.equal(state.kind, 'NO_CARD');
  assert.equal(state.readers.length, 2);
  assert.ok(state.readers.every((r) => !r.card && /Simulated Reader/.test(r.name)));
  assert.equal(await errorCode(authenticate(h)), 'NO_CARD');
  const present = h.nextState((s) => s.kind === 'CARD_PRESENT');
  await sim.insert('cpa', 1);
  const pushed = await present;
  assert.equal(pushed.cards.length, 1, 'the first CARD_PRESENT already carries the identity');
  assert.equal(pushed.cards[0]!.readerIndex, 1);
  assert.equal(pushed.cards[0]!.holder!.nationalId.type, 'SIRET');
  assert.deepEqual(pushed.readers.map((r) => r.card), [false, true]);
  const removed = h.nextState((s) => s.kind === 'CARD_REMOVED');
  sim.remove(1);
  assert.equal((await removed).cards.length, 0);
});

test('a card the middleware does not recognise is listed as unrecognised, not as a CPx card', async (t) => {
  const h = await startService(sim.env);
  t.after(() => h.close());
  control.insertCard(sim.dir, 0, 'DEADBEEF00', 'unknown-card');
  const state = await h.client.request('state', {});
  assert.equal(state.kind, 'CARD_PRESENT');
  assert.equal(state.cards.length, 0);
  assert.equal(state.unrecognised.length, 1);
  assert.equal(state.unrecognised[0]!.readerIndex, 0);
  assert.equal(await errorCode(authenticate(h)), 'CARD_NOT_RECOGNISED');
  const d = await h.client.request('diagnose', {});
  assert.match(d.advice.join('\n'), /n'est pas reconnue/);
  sim.remove(0);
});

test('diagnose: the module in use with its C_GetInfo, readers, cards, and advice about the PIN and expiry', async (t) => {
  await sim.insert('cps-expiring', 0);
  const h = await startService(sim.env, { lang: 'en' });
  t.after(() => h.close());
  const d = await h.client.request('diagnose', {});
  const used = d.modules[0]!;
  assert.equal(used.status, 'loaded');
  assert.equal(used.path, sim.module);
  assert.ok(used.manufacturer && used.description && used.version);
  assert.deepEqual(d.readers.map((r) => r.card), [true, false]);
  assert.equal(d.cards.length, 1);
  assert.match(d.advice.join('\n'), /expires in \d+ day/);
  sim.remove(0);
});

test('a module named by policy is the only one tried (a user setting: tests/card/explicit-module.test.ts)', async (t) => {
  const missing = path.join(sim.dir, 'policy-module.so');
  const pinned = await startService({ ...sim.env, CPX_PKCS11_MODULE_ONLY: '0' }, { modulePath: missing, modulePathSource: 'policy' });
  t.after(() => pinned.close());
  const state = await pinned.client.request('state', {});
  assert.equal(state.kind, 'NO_MODULE', 'the simulator in CPX_PKCS11_MODULE is not used behind IT’s back');
  const d = await pinned.client.request('diagnose', {});
  assert.deepEqual(d.modules.map((m) => [m.path, m.source]), [[missing, 'policy']]);
});
