// Windows group policy: the registry reader's value types and precedence on every OS against an in-memory registry,
// and on Windows the same reader over the real registry through native-reg (a key of its own under HKCU).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { platformPolicyReader, WINDOWS_POLICY_KEY, windowsPolicyReader } from '../../electron/core/policy.ts';
import { SettingsStore } from '../../electron/core/settings.ts';
import { SETTING_KEYS } from '../../electron/core/settings-schema.ts';
import { nativeRegistry, type PolicyRegistry, type RegistryHive, type RegistryValue } from '../../electron/core/windows-registry.ts';

/** Keys and value names are case-insensitive in the registry, as here; a key can be made unreadable (access denied). */
class MemoryRegistry implements PolicyRegistry {
  readonly #keys = new Map<string, Map<string, RegistryValue>>();
  readonly #denied = new Set<string>();
  readonly reads: string[] = [];

  set(hive: RegistryHive, key: string, values: Record<string, RegistryValue>): this {
    this.#keys.set(`${hive}\\${key}`.toLowerCase(), new Map(Object.entries(values)));
    return this;
  }

  deny(hive: RegistryHive, key: string): this {
    this.#denied.add(`${hive}\\${key}`.toLowerCase());
    return this;
  }

  async readKey(hive: RegistryHive, subKey: string): Promise<Map<string, RegistryValue> | null> {
    const id = `${hive}\\${subKey}`;
    this.reads.push(id);
    if (this.#denied.has(id.toLowerCase())) throw new Error('Access is denied.');
    return this.#keys.get(id.toLowerCase()) ?? null;
  }
}

const sz = (data: string): RegistryValue => ({ type: 'REG_SZ', data });
const KEY = WINDOWS_POLICY_KEY;

let tmp: string;
before(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'cpx-policy-win-')); });
after(async () => { await rm(tmp, { recursive: true, force: true }); });

describe('Windows policy from the registry (in-memory registry)', () => {
  test('value types: REG_SZ as is, REG_EXPAND_SZ expanded, REG_MULTI_SZ a list; a DWORD or a binary for a text setting is reported', async () => {
    const registry = new MemoryRegistry().set('HKLM', KEY, {
      ServiceUrl: sz('https://orientation.sante-centre.fr/'),
      AllowedOrigins: { type: 'REG_MULTI_SZ', data: ['https://orientation.sante-centre.fr', '', 'https://aide.sante-centre.fr'] },
      Pkcs11Module: { type: 'REG_EXPAND_SZ', data: '%WINDIR%\\System32\\cps3_pkcs11_w64.dll' },
      SupportContact: { type: 'REG_EXPAND_SZ', data: 'Support %UNSET_VARIABLE% : 02 38 00 00 00' },
      Region: sz(''),
      Logging: { type: 'REG_DWORD', data: 1 },
      Language: { type: 'unsupported', typeName: 'REG_BINARY' },
      AutoUpdate: { type: 'REG_DWORD', data: 1 },
    });
    const layer = await windowsPolicyReader({ registry, env: { windir: 'C:\\Windows' } }).read();
    assert.deepEqual(layer.values, {
      serviceUrl: 'https://orientation.sante-centre.fr',
      allowedOrigins: ['https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr'],
      pkcs11Module: 'C:\\Windows\\System32\\cps3_pkcs11_w64.dll', // variable names are case-insensitive, as on Windows
      supportContact: 'Support %UNSET_VARIABLE% : 02 38 00 00 00', // an unknown variable stays as written
      region: null,
    });
    assert.deepEqual(layer.problems.sort(), [
      'HKLM\\SOFTWARE\\Policies\\CPxLink: Language ignored (REG_BINARY is not a type any setting is written with)',
      'HKLM\\SOFTWARE\\Policies\\CPxLink: logging ignored (string expected, got number)',
      'HKLM\\SOFTWARE\\Policies\\CPxLink: unknown setting "AutoUpdate" ignored',
    ]);
  });

  test('machine policy › user policy › the user\'s own choice › default; a bad machine value does not hide a good user-policy one', async () => {
    const registry = new MemoryRegistry()
      .set('HKLM', KEY, { ServiceUrl: sz('https://orientation.sante-centre.fr'), Logging: sz('verbose') })
      .set('HKCU', KEY, { ServiceUrl: sz('https://ignored-by-hklm.example.fr'), Language: sz('EN'), Logging: sz('error') });
    const userFile = path.join(tmp, 'precedence-settings.json');
    await writeFile(userFile, JSON.stringify({ serviceUrl: 'https://user-choice.example.fr', language: 'fr', region: 'grand-est' }));
    const store = await SettingsStore.open({ userFile, policy: windowsPolicyReader({ registry, env: {} }) });
    const { serviceUrl, language, logging, region, supportContact } = store.view();
    assert.deepEqual({ serviceUrl, language, logging, region, supportContact }, {
      serviceUrl: { value: 'https://orientation.sante-centre.fr', source: 'policy', locked: true }, // machine over user policy and user
      language: { value: 'en', source: 'policy', locked: true }, // user policy over the user's choice
      logging: { value: 'error', source: 'policy', locked: true }, // user policy, the machine's value being unusable
      region: { value: 'grand-est', source: 'user', locked: false }, // the user's own, nothing imposed
      supportContact: { value: null, source: 'default', locked: false },
    });
    assert.deepEqual(store.problems(), ['HKLM\\SOFTWARE\\Policies\\CPxLink: logging ignored (one of off, error, info, debug expected, got verbose)']);
    assert.deepEqual(registry.reads, ['HKCU\\SOFTWARE\\Policies\\CPxLink', 'HKLM\\SOFTWARE\\Policies\\CPxLink']);
  });

  test('a missing key is no policy; an unreadable key is reported and the other hive still applies; reading never throws', async () => {
    assert.deepEqual(await windowsPolicyReader({ registry: new MemoryRegistry() }).read(), { values: {}, problems: [] });
    const registry = new MemoryRegistry().deny('HKCU', KEY).set('HKLM', KEY, { Language: sz('en') });
    const layer = await windowsPolicyReader({ registry }).read();
    assert.deepEqual(layer.values, { language: 'en' });
    assert.deepEqual(layer.problems, ['HKCU\\SOFTWARE\\Policies\\CPxLink: unreadable (Access is denied.), key ignored']);
  });

  test('the diagnostic report names both keys, the winning one first; on Windows the platform reader is this one', () => {
    const reader = platformPolicyReader(SETTING_KEYS, 'win32');
    assert.equal(reader.describe, 'HKLM\\SOFTWARE\\Policies\\CPxLink, HKCU\\SOFTWARE\\Policies\\CPxLink');
  });
});

describe('native-reg', () => {
  test('off Windows the package loads without its binary and the reader reports the registry unreadable instead of throwing',
    { skip: process.platform === 'win32' && 'on Windows the real registry is read below' }, async () => {
      const layer = await windowsPolicyReader({ registry: nativeRegistry() }).read();
      assert.deepEqual(layer.values, {});
      assert.equal(layer.problems.length, 2, layer.problems.join('\n'));
      for (const p of layer.problems) {
        assert.match(p, new RegExp(`^HK(CU|LM)\\\\SOFTWARE\\\\Policies\\\\CPxLink: unreadable \\(no Windows registry on ${process.platform}\\), key ignored$`));
      }
    });

  test('on Windows the reader gets every value type from the real registry, in-process', {
    skip: process.platform !== 'win32' && 'the Windows registry exists on Windows only (run by the Windows CI job)',
  }, async () => {
    const reg = await import('native-reg');
    const key = `SOFTWARE\\CPxLink-tests\\${randomBytes(6).toString('hex')}`;
    const h = reg.createKey(reg.HKCU, key, reg.Access.ALL_ACCESS);
    try {
      reg.setValueSZ(h, 'ServiceUrl', 'https://orientation.sante-centre.fr/');
      reg.setValueMULTI_SZ(h, 'AllowedOrigins', ['https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr']);
      reg.setValueEXPAND_SZ(h, 'Pkcs11Module', '%SystemRoot%\\System32\\cps3_pkcs11_w64.dll');
      reg.setValueDWORD(h, 'Logging', 3);
      reg.setValueRaw(h, 'Language', reg.ValueType.BINARY, Buffer.from('fr'));
      const values = await nativeRegistry().readKey('HKCU', key);
      assert.deepEqual(values && Object.fromEntries(values), {
        ServiceUrl: { type: 'REG_SZ', data: 'https://orientation.sante-centre.fr/' },
        AllowedOrigins: { type: 'REG_MULTI_SZ', data: ['https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr'] },
        Pkcs11Module: { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32\\cps3_pkcs11_w64.dll' },
        Logging: { type: 'REG_DWORD', data: 3 },
        Language: { type: 'unsupported', typeName: 'REG_BINARY' },
      });
      const layer = await windowsPolicyReader({ key }).read(); // HKLM has no such key: HKCU alone
      assert.equal(layer.values.pkcs11Module, `${process.env.SystemRoot}\\System32\\cps3_pkcs11_w64.dll`);
      assert.deepEqual(layer.values.allowedOrigins, ['https://orientation.sante-centre.fr', 'https://aide.sante-centre.fr']);
      assert.equal(layer.problems.length, 2, layer.problems.join('\n'));
      assert.equal(await nativeRegistry().readKey('HKLM', key), null);
    } finally {
      reg.closeKey(h);
      reg.deleteTree(reg.HKCU, 'SOFTWARE\\CPxLink-tests');
      reg.deleteKey(reg.HKCU, 'SOFTWARE\\CPxLink-tests');
    }
  });
});
