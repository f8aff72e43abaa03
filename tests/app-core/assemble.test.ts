// The app core is assembled in one place for both faces that host it. What this guards: a PKCS#11 module imposed by
// IT's policy is exclusive and named as the policy's, in the development bridge as in the Electron shell (the bridge
// used to pass every module as the user's setting).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DiagnoseResult } from '../../protocol/card-service.ts';
import { assembleAppCore, cardServiceOptions } from '../../app-core/assemble.ts';
import { startBridge } from '../../bridge/stack.ts';
import { fetchHttp } from '../../electron/core/fetch-http.ts';
import { linuxPolicyReader } from '../../electron/core/policy.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';

// Cryptolib's Linux path under a folder that does not exist; the simulator stays reachable through the environment,
// so a silent fallback would find the card.
const MISSING = '/nonexistent/santesocial/CPS/lib/libcps3_pkcs11_lux.so';

async function fixture(t: TestContext): Promise<{ dir: string; sim: Sim; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpx-app-core-'));
  const sim = await makeSim({ readers: 1 });
  t.after(async () => { await sim.cleanup(); await rm(dir, { recursive: true, force: true }); });
  await sim.insert('cpe', 0);
  return { dir, sim, env: { ...process.env, ...sim.env, CPX_PKCS11_MODULE_ONLY: '' } };
}

async function policyNaming(dir: string, module: string): Promise<string> {
  const policies = path.join(dir, 'policies');
  await mkdir(policies, { recursive: true });
  await writeFile(path.join(policies, 'cpx-link.json'), JSON.stringify({ pkcs11Module: module }));
  return policies;
}

function assertExclusive(d: DiagnoseResult, source: 'policy' | 'setting', sim: Sim): void {
  assert.equal(d.moduleError?.code, 'MODULE_NOT_FOUND');
  assert.equal(d.moduleError?.source, source);
  assert.equal(d.moduleError?.path, MISSING);
  assert.deepEqual([d.modules[0]?.path, d.modules[0]?.status], [MISSING, 'not-found']);
  assert.ok(!d.modules.some((m) => m.path === sim.module && m.status === 'loaded'), 'the simulator is not loaded in its place');
  assert.deepEqual(d.cards, [], 'the card in the simulator is not read through another module');
}

test('a module a policy imposes: the card service is started with it as the policy\'s, and uses no other', async (t) => {
  const { dir, sim, env } = await fixture(t);
  // The user's own setting names another module: the policy wins, and says so.
  await mkdir(path.join(dir, 'user'), { recursive: true });
  await writeFile(path.join(dir, 'user', 'settings.json'), JSON.stringify({ pkcs11Module: sim.module }));
  const core = await assembleAppCore({
    settingsFile: path.join(dir, 'user', 'settings.json'), logFile: path.join(dir, 'cpx-link.log'),
    policy: linuxPolicyReader(await policyNaming(dir, MISSING)), appVersion: '0.1.0-test', runtime: {},
    ports: {
      cardTransport: () => forkTransport({ env, output: () => {} }),
      pin: () => ({ ask: async () => { throw new Error('no PIN is asked in this test'); } }),
      http: fetchHttp(), system: { openExternal: async () => {}, chooseSavePath: async () => null },
    },
  });
  t.after(async () => { core.controller.dispose(); await core.cards.close(); core.log.close(); });
  assert.deepEqual(core.settings.view().pkcs11Module, { value: MISSING, source: 'policy', locked: true });
  await core.cards.start().catch(() => {});
  assertExclusive(await core.cards.request('diagnose', {}), 'policy', sim);
});

test('the development bridge assembles the same core: a policy module is the policy\'s there too', async (t) => {
  const { dir, sim, env } = await fixture(t);
  const bridge = await startBridge({
    serviceUrl: 'http://127.0.0.1:9', dataDir: path.join(dir, 'bridge'), port: 0, cardEnv: env, output: () => {},
    policyDir: await policyNaming(dir, MISSING),
  });
  t.after(() => bridge.close());
  assertExclusive(await bridge.cards.request('diagnose', {}), 'policy', sim);
});

test('card service options: a module is exclusive with the source that named it; none named, none passed', () => {
  const view = (value: string | null, source: 'default' | 'user' | 'policy') => ({
    pkcs11Module: { value, source, locked: source === 'policy' }, language: { value: 'en' as const, source: 'user' as const, locked: false },
  }) as unknown as Parameters<typeof cardServiceOptions>[0];
  assert.deepEqual(cardServiceOptions(view(MISSING, 'policy'), { pollMs: 50 }), { pollMs: 50, lang: 'en', modulePath: MISSING, modulePathSource: 'policy' });
  assert.deepEqual(cardServiceOptions(view(MISSING, 'user'), {}), { lang: 'en', modulePath: MISSING, modulePathSource: 'setting' });
  assert.deepEqual(cardServiceOptions(view(null, 'default'), {}), { lang: 'en' });
});
