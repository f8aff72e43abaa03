// The Windows registry as the policy reader needs it: the values of one key, decoded by type. Read in-process with
// native-reg (N-API; its prebuilt binaries for x64, ia32 and arm64 ship inside the npm package) rather than by running
// the command-line registry tool: hospital GPOs often set "Prevent access to registry editing tools", which stops that
// tool, and its output is text meant for people.

import { createRequire } from 'node:module';
import type * as NativeReg from 'native-reg';

export type RegistryHive = 'HKLM' | 'HKCU';

/** A value as stored. REG_EXPAND_SZ keeps its %VARIABLES%: expanding them is the reader's job, with its environment. */
export type RegistryValue =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD' | 'REG_QWORD'; data: number | bigint }
  /** A type no setting is written with (REG_BINARY…): only its name is kept, to say why the value was ignored. */
  | { type: 'unsupported'; typeName: string };

/** The small part of the registry the policy reader uses: native-reg on Windows, an in-memory double in tests. */
export interface PolicyRegistry {
  /** The values of a key in the 64-bit view, by name; null when the key does not exist. Throws when it cannot be read. */
  readKey(hive: RegistryHive, subKey: string): Promise<Map<string, RegistryValue> | null>;
}

/**
 * The real registry. native-reg is loaded on first use only, so no other OS loads it in the app (off Windows the
 * package loads without its binary; reading then throws, which the reader reports as an unreadable key).
 */
export function nativeRegistry(): PolicyRegistry {
  let loaded: typeof NativeReg | null = null;
  return {
    async readKey(hive, subKey) {
      // require rather than import(): in the packaged app it resolves from inside app.asar like pkcs11js does.
      const reg = loaded ??= createRequire(import.meta.url)('native-reg') as typeof NativeReg;
      if (process.platform !== 'win32') throw new Error(`no Windows registry on ${process.platform}`);
      // WOW64_64KEY: a 32-bit build would otherwise read the redirected view, not what IT wrote with 64-bit tools.
      const key = reg.openKey(hive === 'HKLM' ? reg.HKLM : reg.HKCU, subKey, reg.Access.READ | reg.Access.WOW64_64KEY);
      if (!key) return null;
      try {
        const values = new Map<string, RegistryValue>();
        for (const name of reg.enumValueNames(key)) {
          const raw = reg.queryValueRaw(key, name); // RegQueryValueEx: REG_EXPAND_SZ comes back unexpanded
          if (raw) values.set(name, decode(reg, raw));
        }
        return values;
      } finally {
        reg.closeKey(key);
      }
    },
  };
}

function decode(reg: typeof NativeReg, raw: NativeReg.Value): RegistryValue {
  const T = reg.ValueType;
  switch (raw.type) {
    case T.SZ: return { type: 'REG_SZ', data: reg.parseString(raw) };
    case T.EXPAND_SZ: return { type: 'REG_EXPAND_SZ', data: reg.parseString(raw) };
    case T.MULTI_SZ: return { type: 'REG_MULTI_SZ', data: reg.parseMultiString(raw) };
    case T.DWORD: return raw.length >= 4 ? { type: 'REG_DWORD', data: raw.readUInt32LE(0) } : { type: 'unsupported', typeName: 'short REG_DWORD' };
    case T.QWORD: return raw.length >= 8 ? { type: 'REG_QWORD', data: raw.readBigUInt64LE(0) } : { type: 'unsupported', typeName: 'short REG_QWORD' };
    default: return { type: 'unsupported', typeName: `REG_${T[raw.type] ?? raw.type}` };
  }
}
