// Managed policy: what IT imposes on a workstation, read from the OS's own place for it. Each reader returns a
// SettingLayer (valid values + a line per ignored value) and never throws: a broken policy must not stop the app,
// it shows up in the settings view's sources and in the diagnostic report instead.
//
// Windows reads the registry through a small interface (windows-registry.ts) that tests replace with an in-memory
// double; macOS output parsing is separated from reading so it is tested from recorded plutil output.

import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { layerFrom, type SettingLayer, type SettingValues } from './settings-schema.ts';
import { nativeRegistry, type PolicyRegistry, type RegistryHive, type RegistryValue } from './windows-registry.ts';

export interface PolicyReader {
  /** Where this reader looks, for the diagnostic report. */
  readonly describe: string;
  read(): Promise<SettingLayer>;
}

/** Runs a command and returns its stdout, or null when it exits non-zero or cannot start (file absent, tool missing). */
export type RunCommand = (file: string, args: string[]) => Promise<string | null>;

export const runCommand: RunCommand = (file, args) => new Promise((resolve) => {
  execFile(file, args, { encoding: 'utf8', windowsHide: true, timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => {
    resolve(err ? null : stdout);
  });
});

/** Later layers win over earlier ones; problems are all kept. */
export function mergeLayers(layers: SettingLayer[]): SettingLayer {
  const out: SettingLayer = { values: {}, problems: [] };
  for (const l of layers) {
    Object.assign(out.values, l.values);
    out.problems.push(...l.problems);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Windows: HKLM\SOFTWARE\Policies\CPxLink (machine, from GPO) wins over HKCU\SOFTWARE\Policies\CPxLink (user GPO).

export const WINDOWS_POLICY_KEY = 'SOFTWARE\\Policies\\CPxLink';

/** `%WINDIR%\System32\x.dll` → the variable's value; unknown variables are left as written (visible in the report). */
export function expandWindowsVars(s: string, env: Readonly<Record<string, string | undefined>>): string {
  const lower = new Map(Object.entries(env).map(([k, v]) => [k.toLowerCase(), v]));
  return s.replace(/%([^%]+)%/g, (whole, name: string) => lower.get(name.toLowerCase()) ?? whole);
}

export interface WindowsPolicyOptions {
  registry?: PolicyRegistry;
  /** Expands REG_EXPAND_SZ values, as Windows would for the app's own process. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The key under each hive; another one only in tests that write to the real registry. */
  key?: string;
}

export function windowsPolicyReader(opts: WindowsPolicyOptions = {}): PolicyReader {
  const { registry = nativeRegistry(), env = process.env, key = WINDOWS_POLICY_KEY } = opts;
  const hives: RegistryHive[] = ['HKCU', 'HKLM']; // read order = precedence order: HKLM last, so it wins
  return {
    describe: hives.map((h) => `${h}\\${key}`).reverse().join(', '),
    async read() {
      const layers: SettingLayer[] = [];
      for (const hive of hives) {
        const source = `${hive}\\${key}`;
        try {
          const values = await registry.readKey(hive, key);
          if (values) layers.push(registryLayer(values, source, env));
        } catch (err) {
          const reason = String((err as Error)?.message ?? err).split('\n')[0];
          layers.push({ values: {}, problems: [`${source}: unreadable (${reason}), key ignored`] });
        }
      }
      return mergeLayers(layers);
    },
  };
}

/** Registry values → a layer: strings as they are, REG_EXPAND_SZ expanded, REG_MULTI_SZ as a list without empty items. */
function registryLayer(values: ReadonlyMap<string, RegistryValue>, source: string,
  env: Readonly<Record<string, string | undefined>>): SettingLayer {
  const record: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of values) {
    switch (v.type) {
      case 'REG_SZ': record[name] = v.data; break;
      case 'REG_EXPAND_SZ': record[name] = expandWindowsVars(v.data, env); break;
      case 'REG_MULTI_SZ': record[name] = v.data.filter((s) => s !== ''); break;
      // No setting is a number today: passed on, so a DWORD written for a text setting is reported as such.
      case 'REG_DWORD': case 'REG_QWORD': record[name] = Number(v.data); break;
      case 'unsupported': problems.push(`${source}: ${name} ignored (${v.typeName} is not a type any setting is written with)`); break;
    }
  }
  const layer = layerFrom(record, source);
  return { values: layer.values, problems: [...problems, ...layer.problems] };
}

// ---------------------------------------------------------------------------------------------------------------
// Linux: every *.json in /etc/cpx-link/policies, in name order (a later file wins for the same setting).

export const LINUX_POLICY_DIR = '/etc/cpx-link/policies';

export function linuxPolicyReader(dir: string = LINUX_POLICY_DIR): PolicyReader {
  return {
    describe: path.join(dir, '*.json'),
    async read() {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
      } catch {
        return { values: {}, problems: [] }; // no policy directory: nothing managed
      }
      const layers: SettingLayer[] = [];
      for (const name of names) {
        const file = path.join(dir, name);
        try {
          const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
            layers.push({ values: {}, problems: [`${file}: a JSON object is expected, file ignored`] });
            continue;
          }
          layers.push(layerFrom(parsed as Record<string, unknown>, file));
        } catch (err) {
          layers.push({ values: {}, problems: [`${file}: unreadable (${(err as Error).message}), file ignored`] });
        }
      }
      return mergeLayers(layers);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// macOS: managed preferences pushed by an MDM profile for the app's domain. Best effort: plutil ships with macOS.

export const MAC_POLICY_DOMAIN = 'fr.cpxlink.app';
export const MAC_MANAGED_DIR = '/Library/Managed Preferences';

/**
 * `plutil -convert json -o - <plist>` output → setting records. Managed preference files carry MDM bookkeeping keys
 * (`PayloadUUID`, `forced`…) that are not settings: only keys naming a setting are kept, the rest ignored silently.
 */
export function parseManagedPlistJson(json: string, settingNames: readonly string[]): Record<string, unknown> {
  const parsed: unknown = JSON.parse(json);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const wanted = new Set(settingNames.map((n) => n.toLowerCase()));
  return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter(([k]) => wanted.has(k.toLowerCase())));
}

export function macPolicyReader(settingNames: readonly (keyof SettingValues)[], run: RunCommand = runCommand,
  user: string = process.env.USER ?? ''): PolicyReader {
  // The computer-wide file is read last so that it wins over the per-user one, as HKLM does on Windows.
  const files = [
    ...(user ? [path.join(MAC_MANAGED_DIR, user, `${MAC_POLICY_DOMAIN}.plist`)] : []),
    path.join(MAC_MANAGED_DIR, `${MAC_POLICY_DOMAIN}.plist`),
  ];
  return {
    describe: [...files].reverse().join(', '),
    async read() {
      const layers: SettingLayer[] = [];
      for (const file of files) {
        const out = await run('/usr/bin/plutil', ['-convert', 'json', '-o', '-', file]);
        if (out === null) continue;
        try {
          layers.push(layerFrom(parseManagedPlistJson(out, settingNames), file));
        } catch (err) {
          layers.push({ values: {}, problems: [`${file}: unreadable (${(err as Error).message}), file ignored`] });
        }
      }
      return mergeLayers(layers);
    },
  };
}

/**
 * The reader for this OS. `linuxDir` replaces /etc/cpx-link/policies for tests and the unpackaged demo only: a packaged
 * app never takes it from the environment, or any user could step around what IT locked.
 */
export function platformPolicyReader(settingNames: readonly (keyof SettingValues)[],
  platform: NodeJS.Platform = process.platform, linuxDir: string = LINUX_POLICY_DIR): PolicyReader {
  if (platform === 'win32') return windowsPolicyReader();
  if (platform === 'darwin') return macPolicyReader(settingNames);
  return linuxPolicyReader(linuxDir);
}
