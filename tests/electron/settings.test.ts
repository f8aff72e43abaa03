// Settings: managed policy over user settings over defaults, with sources and locks, from the Linux and macOS policy
// formats (Windows: policy-windows.test.ts).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CpxError } from '../../protocol/errors.ts';
import { linuxPolicyReader, macPolicyReader, parseManagedPlistJson, type RunCommand } from '../../electron/core/policy.ts';
import { allowedOriginsOf, SettingsStore } from '../../electron/core/settings.ts';
import { DEFAULT_SETTINGS, SETTING_KEYS } from '../../electron/core/settings-schema.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const repo = path.resolve(import.meta.dirname, '../..');
let tmp: string;
before(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'cpx-settings-')); });
after(async () => { await rm(tmp, { recursive: true, force: true }); });

async function freshDir(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await mkdir(d, { recursive: true });
  return d;
}

describe('Linux policy directory', () => {
  test('no policy directory: defaults, nothing locked', async () => {
    const store = await SettingsStore.open({ userFile: path.join(tmp, 'none', 'settings.json'), policy: linuxPolicyReader(path.join(tmp, 'absent')) });
    const view = store.view();
    for (const k of SETTING_KEYS) {
      assert.equal(view[k].source, 'default', k);
      assert.equal(view[k].locked, false, k);
      assert.deepEqual(view[k].value, DEFAULT_SETTINGS[k], k);
    }
    assert.deepEqual(store.problems(), []);
  });

  test('policy wins over user settings, user over defaults, each with its source', async () => {
    const dir = await freshDir('precedence');
    const policyDir = path.join(dir, 'policies');
    await mkdir(policyDir);
    await writeFile(path.join(policyDir, '10-service.json'), JSON.stringify({ serviceUrl: 'https://orientation.sante-centre.fr', logging: 'error' }));
    const userFile = path.join(dir, 'settings.json');
    await writeFile(userFile, JSON.stringify({ serviceUrl: 'https://user-choice.example.fr', language: 'en', region: 'grand-est' }));
    const store = await SettingsStore.open({ userFile, policy: linuxPolicyReader(policyDir) });
    const v = store.view();
    assert.deepEqual(v.serviceUrl, { value: 'https://orientation.sante-centre.fr', source: 'policy', locked: true });
    assert.deepEqual(v.logging, { value: 'error', source: 'policy', locked: true });
    assert.deepEqual(v.language, { value: 'en', source: 'user', locked: false });
    assert.deepEqual(v.region, { value: 'grand-est', source: 'user', locked: false });
    assert.deepEqual(v.pkcs11Module, { value: null, source: 'default', locked: false });
  });

  test('files apply in name order, a broken file or value is ignored and reported', async () => {
    const dir = await freshDir('order');
    await writeFile(path.join(dir, '10-base.json'), JSON.stringify({ language: 'en', supportContact: 'Référent A' }));
    await writeFile(path.join(dir, '20-override.json'), JSON.stringify({ supportContact: 'Référent B', logging: 'loud', colour: 'blue' }));
    await writeFile(path.join(dir, '30-broken.json'), '{ "serviceUrl": ');
    await writeFile(path.join(dir, 'README.txt'), 'not a policy');
    const layer = await linuxPolicyReader(dir).read();
    assert.deepEqual(layer.values, { language: 'en', supportContact: 'Référent B' });
    assert.equal(layer.problems.length, 3, layer.problems.join('\n'));
    assert.match(layer.problems.join('\n'), /logging ignored/);
    assert.match(layer.problems.join('\n'), /unknown setting "colour"/);
    assert.match(layer.problems.join('\n'), /30-broken\.json: unreadable/);
  });

  test('the example policy shipped for IT is valid and sets every setting', async () => {
    const layer = await linuxPolicyReader(path.join(repo, 'build/policies/linux')).read();
    assert.deepEqual(layer.problems, []);
    assert.deepEqual(Object.keys(layer.values).sort(), [...SETTING_KEYS].sort());
  });
});

describe('macOS managed preferences', () => {
  test('plutil JSON parses, MDM bookkeeping keys are skipped, computer-wide file wins over the user one', async () => {
    const json = await readFile(path.join(fixtures, 'managed-prefs.json'), 'utf8');
    const names = [...SETTING_KEYS];
    assert.deepEqual(Object.keys(parseManagedPlistJson(json, names)).sort(),
      ['Language', 'allowedOrigins', 'logging', 'pkcs11Module', 'serviceUrl']);
    const run: RunCommand = async (_file, args) => {
      const plist = args.at(-1)!;
      if (plist === '/Library/Managed Preferences/fr.cpxlink.app.plist') return json;
      if (plist === '/Library/Managed Preferences/jdupont/fr.cpxlink.app.plist') return JSON.stringify({ language: 'fr', region: 'ile-de-france' });
      return null;
    };
    const layer = await macPolicyReader(names, run, 'jdupont').read();
    assert.deepEqual(layer.problems, []);
    assert.deepEqual(layer.values, {
      serviceUrl: 'https://orientation.sante-idf.fr',
      allowedOrigins: ['https://orientation.sante-idf.fr', 'https://aide.sante-idf.fr'],
      language: 'en',
      logging: 'error',
      pkcs11Module: '/usr/local/lib/libcps3_pkcs11_osx.dylib',
      region: 'ile-de-france',
    });
  });
});

describe('user settings', () => {
  test('a user change is saved atomically, survives a restart and is announced', async () => {
    const dir = await freshDir('user');
    const userFile = path.join(dir, 'settings.json');
    const policy = linuxPolicyReader(path.join(dir, 'no-policy'));
    const store = await SettingsStore.open({ userFile, policy });
    const seen: string[] = [];
    store.onChange((v) => seen.push(v.language.value));
    const view = await store.setUser('language', 'en');
    assert.deepEqual(view.language, { value: 'en', source: 'user', locked: false });
    assert.deepEqual(seen, ['en']);
    assert.deepEqual(JSON.parse(await readFile(userFile, 'utf8')), { language: 'en' });
    assert.deepEqual(await readdir(dir), ['settings.json']); // no temporary file left behind
    const again = await SettingsStore.open({ userFile, policy });
    assert.equal(again.get('language'), 'en');
  });

  test('a policy-locked value cannot be changed by the user, and an invalid value is refused', async () => {
    const dir = await freshDir('locked');
    const policyDir = path.join(dir, 'policies');
    await mkdir(policyDir);
    await writeFile(path.join(policyDir, 'lang.json'), JSON.stringify({ language: 'fr' }));
    const userFile = path.join(dir, 'settings.json');
    const store = await SettingsStore.open({ userFile, policy: linuxPolicyReader(policyDir) });
    await assert.rejects(store.setUser('language', 'en'), (e: unknown) => e instanceof CpxError && e.code === 'BAD_REQUEST' && /locked/.test(String(e.params.detail)));
    assert.deepEqual(store.view().language, { value: 'fr', source: 'policy', locked: true });
    await assert.rejects(store.setUser('logging', 'verbose'), (e: unknown) => e instanceof CpxError && e.code === 'BAD_REQUEST');
    await assert.rejects(readFile(userFile), { code: 'ENOENT' });
  });

  test('a user value hidden by a policy comes back when the policy is removed (reload)', async () => {
    const dir = await freshDir('reload');
    const policyDir = path.join(dir, 'policies');
    await mkdir(policyDir);
    const userFile = path.join(dir, 'settings.json');
    await writeFile(userFile, JSON.stringify({ region: 'normandie' }));
    await writeFile(path.join(policyDir, 'region.json'), JSON.stringify({ region: 'grand-est' }));
    const store = await SettingsStore.open({ userFile, policy: linuxPolicyReader(policyDir) });
    assert.equal(store.get('region'), 'grand-est');
    const changes: string[] = [];
    store.onChange((v) => changes.push(`${v.region.value}/${v.region.source}`));
    await rm(path.join(policyDir, 'region.json'));
    await store.reload();
    assert.deepEqual(changes, ['normandie/user']);
    await store.reload();
    assert.equal(changes.length, 1, 'no change, no announcement');
  });

  test('an unreadable user file falls back to defaults and says so', async () => {
    const dir = await freshDir('corrupt');
    const userFile = path.join(dir, 'settings.json');
    await writeFile(userFile, '{"language": "en"');
    const store = await SettingsStore.open({ userFile, policy: linuxPolicyReader(path.join(dir, 'none')) });
    assert.equal(store.view().language.source, 'default');
    assert.match(store.problems()[0], /unreadable/);
  });
});

test('allowed origins: the allowed list when set, otherwise the service origin alone, normalised', () => {
  assert.deepEqual(allowedOriginsOf({ serviceUrl: 'https://Orientation.Sante.fr:443/portail', allowedOrigins: [] }), ['https://orientation.sante.fr']);
  assert.deepEqual(allowedOriginsOf({ serviceUrl: 'https://a.fr', allowedOrigins: ['https://b.fr/', 'http://127.0.0.1:8080'] }),
    ['https://b.fr', 'http://127.0.0.1:8080']);
});
