// Direct access to SoftHSM2 for provisioning cards, bypassing the simulator (which, like Cryptolib, refuses
// C_CreateObject). SoftHSM reads SOFTHSM2_CONF at C_Initialize and keeps one global state per loaded library, so:
//  - we load a PRIVATE COPY of libsofthsm2.so: glibc returns the already-loaded instance for the same file (even
//    through another path or a link), and the process may already use SoftHSM through the simulator or directly
//    with another configuration; a copy (another inode) gets its own globals and never disturbs them;
//  - each use is C_Initialize (with the wanted SOFTHSM2_CONF) … C_Finalize, serialised inside the process.

import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkcs11js from 'pkcs11js';

const SOFTHSM_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The system's libsofthsm2 (CPX_SIM_SOFTHSM_MODULE overrides, the same variable the simulator reads). */
export function softhsmLibraryPath(): string {
  const override = process.env.CPX_SIM_SOFTHSM_MODULE;
  if (override) return override;
  const found = SOFTHSM_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error('SoftHSM2 introuvable / not found (libsofthsm2.so). Installez / install: apt-get install softhsm2');
  }
  return found;
}

function privateCopy(): string {
  const source = softhsmLibraryPath();
  const st = statSync(source);
  const dest = join(REPO_ROOT, '.cache', 'provision', `libsofthsm2-${st.size}-${Math.floor(st.mtimeMs)}.so`);
  if (!existsSync(dest)) {
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    copyFileSync(source, tmp);
    renameSync(tmp, dest);
  }
  return dest;
}

let module: pkcs11js.PKCS11 | null = null;
let queue: Promise<unknown> = Promise.resolve();

function loaded(): pkcs11js.PKCS11 {
  if (!module) {
    const m = new pkcs11js.PKCS11();
    m.load(privateCopy());
    module = m;
  }
  return module;
}

/**
 * Runs `fn` with SoftHSM initialised on `softhsmConf`. Calls are queued: SoftHSM holds one configuration at a time.
 * `fn` is synchronous on purpose: nothing else may run between C_Initialize and C_Finalize.
 */
export function withSoftHsm<T>(softhsmConf: string, fn: (p11: pkcs11js.PKCS11) => T): Promise<T> {
  const run = async (): Promise<T> => {
    const p11 = loaded();
    const previous = process.env.SOFTHSM2_CONF;
    process.env.SOFTHSM2_CONF = softhsmConf;
    try {
      p11.C_Initialize();
    } finally {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
    }
    try {
      return fn(p11);
    } finally {
      p11.C_Finalize();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
