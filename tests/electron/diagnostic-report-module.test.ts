// The diagnostic report a user sends to support, when the card software set in the settings cannot be loaded:
// it names the setting, the path and the error, and shows that no other module (here: the simulator, which would
// load) was used in its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DiagnoseResult } from '../../protocol/card-service.ts';
import { cardServiceOptions } from '../../app-core/assemble.ts';
import { CardServiceClient } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { buildDiagnosticReport } from '../../electron/core/diagnostic-report.ts';
import { linuxPolicyReader } from '../../electron/core/policy.ts';
import { Redactor } from '../../electron/core/redact.ts';
import { SettingsStore } from '../../electron/core/settings.ts';
import { makeSim } from '../helpers/sim.ts';

test('a user setting naming a missing module: the report carries MODULE_NOT_FOUND with the setting and the path', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpx-report-module-'));
  const sim = await makeSim({ readers: 1 });
  t.after(async () => { await sim.cleanup(); await rm(dir, { recursive: true, force: true }); });
  await sim.insert('cpe', 0);
  const settings = await SettingsStore.open({ userFile: path.join(dir, 'settings.json'), policy: linuxPolicyReader(path.join(dir, 'policies')) });
  // Cryptolib's Linux path under a folder that does not exist: support must read it whole in the report.
  const missing = '/nonexistent/santesocial/CPS/lib/libcps3_pkcs11_lux.so';
  await settings.setUser('pkcs11Module', missing);

  // The card service started as every face starts it (app-core/assemble.ts); the simulator stays reachable through
  // the environment, so a silent fallback would find a card.
  const cards = new CardServiceClient({
    restartDelaysMs: [0],
    options: cardServiceOptions(settings.view(), {}),
    transport: forkTransport({ env: { ...process.env, ...sim.env, CPX_PKCS11_MODULE_ONLY: '' }, output: () => {} }),
  });
  await cards.start();
  t.after(() => cards.close());

  const report = await buildDiagnosticReport({
    appVersion: '0.1.0-test', settings, diagnose: () => cards.request('diagnose', {}), recentLog: () => [], redactor: new Redactor(),
  });
  assert.deepEqual(report.settings.pkcs11Module, { value: missing, source: 'user', locked: false });
  const d = report.cardService as DiagnoseResult;
  assert.equal(d.moduleError?.code, 'MODULE_NOT_FOUND');
  assert.equal(d.moduleError?.path, missing);
  assert.equal(d.moduleError?.source, 'setting');
  assert.ok(d.moduleError?.message.includes(`(pkcs11Module = ${missing})`), d.moduleError?.message);
  assert.deepEqual(d.modules.slice(0, 2).map((m) => [m.path, m.status]), [[missing, 'not-found'], [sim.module, 'found']]);
  assert.deepEqual(d.cards, [], 'the card in the simulator is not read through another module');
});
