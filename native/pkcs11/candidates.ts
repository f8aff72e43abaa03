// Where the PKCS#11 middleware may live, per OS, in the order CPx Link tries it.
// Pure: the platform, architecture and environment come in as parameters so tests can list the Windows and
// macOS candidates on a Linux machine.

import path from 'node:path';
import type { ExplicitModuleSource } from '../../protocol/card-service.ts';

export type CandidateSource = ExplicitModuleSource | 'cryptolib' | 'cryptolib-legacy' | 'opensc';

/** The environment variable that names a module explicitly (support sessions, tests, the simulator). */
export const MODULE_ENV = 'CPX_PKCS11_MODULE';

/**
 * How each explicit source is named to whoever set it, the same in French and English: the policy value (ADMX,
 * managed preferences), the settings key, the environment variable.
 */
export const EXPLICIT_SOURCE_NAMES: Readonly<Record<ExplicitModuleSource, string>> = {
  policy: 'Pkcs11Module', setting: 'pkcs11Module', environment: MODULE_ENV,
};

export interface ModuleCandidate {
  path: string;
  source: CandidateSource;
  /** The architecture the file must be built for to load in this process (process.arch naming). */
  expectedArch: string;
}

export interface CandidateInput {
  platform: NodeJS.Platform;
  /** process.arch of the process that will load the module. */
  arch: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Explicit module from a managed policy or a user setting (policy wins: the caller resolves it). */
  explicit?: { path: string; source: 'policy' | 'setting' } | null;
}

/**
 * Explicit module first, then Cryptolib CPS (current, then legacy CPS2ter/GALSS names), then OpenSC. The OS
 * candidates are listed even behind an explicit module: diagnose shows what else is installed.
 */
export function moduleCandidates(input: CandidateInput): ModuleCandidate[] {
  const out: ModuleCandidate[] = [];
  const add = (p: string, source: CandidateSource) => {
    if (p && !out.some((c) => c.path === p)) out.push({ path: p, source, expectedArch: input.arch });
  };
  if (input.explicit?.path) add(input.explicit.path, input.explicit.source);
  const fromEnv = input.env[MODULE_ENV]?.trim();
  if (fromEnv) add(fromEnv, 'environment');
  for (const c of osCandidates(input)) add(c.path, c.source);
  return out;
}

function osCandidates({ platform, arch, env }: CandidateInput): { path: string; source: CandidateSource }[] {
  switch (platform) {
    case 'win32': return windowsCandidates(arch, env);
    case 'darwin': return macCandidates();
    default: return unixCandidates(arch);
  }
}

function windowsCandidates(arch: string, env: CandidateInput['env']) {
  const win = path.win32;
  const windir = env.WINDIR ?? env.windir ?? env.SystemRoot ?? 'C:\\Windows';
  const programFiles = env.ProgramFiles ?? 'C:\\Program Files';
  const programFilesX86 = env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)';
  const is64 = arch === 'x64' || arch === 'arm64';
  // A 64-bit process sees the native DLLs in System32; a 32-bit process on 64-bit Windows is redirected to
  // SysWOW64 by the loader, but we name the real folder so the diagnosis shows where the file actually is.
  const sys32 = win.join(windir, 'System32');
  const wow64 = win.join(windir, 'SysWOW64');
  const list: { path: string; source: CandidateSource }[] = [];
  if (is64) {
    list.push({ path: win.join(sys32, 'cps3_pkcs11_w64.dll'), source: 'cryptolib' });
    // Present on machines that only have the 32-bit Cryptolib: diagnosed as wrong architecture, which tells
    // IT exactly what to install.
    list.push({ path: win.join(wow64, 'cps3_pkcs11_w32.dll'), source: 'cryptolib' });
    list.push({ path: win.join(wow64, 'cps_pkcs11_w32.dll'), source: 'cryptolib-legacy' });
    list.push({ path: win.join(programFiles, 'OpenSC Project', 'OpenSC', 'pkcs11', 'opensc-pkcs11.dll'), source: 'opensc' });
    list.push({ path: win.join(sys32, 'opensc-pkcs11.dll'), source: 'opensc' });
  } else {
    list.push({ path: win.join(sys32, 'cps3_pkcs11_w32.dll'), source: 'cryptolib' });
    list.push({ path: win.join(wow64, 'cps3_pkcs11_w32.dll'), source: 'cryptolib' });
    list.push({ path: win.join(sys32, 'cps_pkcs11_w32.dll'), source: 'cryptolib-legacy' });
    list.push({ path: win.join(wow64, 'cps_pkcs11_w32.dll'), source: 'cryptolib-legacy' });
    list.push({ path: win.join(programFilesX86, 'OpenSC Project', 'OpenSC', 'pkcs11', 'opensc-pkcs11.dll'), source: 'opensc' });
    list.push({ path: win.join(programFiles, 'OpenSC Project', 'OpenSC', 'pkcs11', 'opensc-pkcs11.dll'), source: 'opensc' });
  }
  return list;
}

function macCandidates() {
  return [
    { path: '/usr/local/lib/libcps3_pkcs11_osx.dylib', source: 'cryptolib' as const },
    { path: '/usr/lib/libcps3_pkcs11_osx.dylib', source: 'cryptolib' as const },
    { path: '/usr/local/lib/libcps_pkcs11_osx.dylib', source: 'cryptolib-legacy' as const },
    { path: '/usr/lib/libcps_pkcs11_osx.dylib', source: 'cryptolib-legacy' as const },
    { path: '/Library/OpenSC/lib/opensc-pkcs11.so', source: 'opensc' as const },
    { path: '/opt/homebrew/lib/opensc-pkcs11.so', source: 'opensc' as const },
    { path: '/usr/local/lib/opensc-pkcs11.so', source: 'opensc' as const },
  ];
}

function unixCandidates(arch: string) {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ia32: 'i386-linux-gnu', arm: 'arm-linux-gnueabihf' }[arch]
    ?? 'x86_64-linux-gnu';
  return [
    { path: '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so', source: 'cryptolib' as const },
    { path: '/usr/lib64/libcps3_pkcs11_lux.so', source: 'cryptolib' as const },
    { path: '/usr/lib/libcps3_pkcs11_lux.so', source: 'cryptolib' as const },
    { path: '/opt/santesocial/CPS/lib/libcps_pkcs11_lux.so', source: 'cryptolib-legacy' as const },
    { path: '/usr/lib64/libcps_pkcs11_lux.so', source: 'cryptolib-legacy' as const },
    { path: '/usr/lib/libcps_pkcs11_lux.so', source: 'cryptolib-legacy' as const },
    { path: `/usr/lib/${multiarch}/opensc-pkcs11.so`, source: 'opensc' as const },
    { path: '/usr/lib64/opensc-pkcs11.so', source: 'opensc' as const },
    { path: '/usr/lib/opensc-pkcs11.so', source: 'opensc' as const },
    { path: '/usr/lib64/pkcs11/opensc-pkcs11.so', source: 'opensc' as const },
  ];
}
