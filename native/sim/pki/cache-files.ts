// Files of the PKI cache, safe when several processes ensure the PKI at once (tests run files in parallel):
// every file appears whole (written aside, then renamed), and only one process generates at a time (lock file).

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function readIfExists(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function readJsonIfExists<T>(path: string): T | null {
  const data = readIfExists(path);
  if (!data) return null;
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    return null; // a damaged side file only means "re-issue"
  }
}

/** A lock older than this is taken over even if its pid looks alive (pid reuse after a crash). */
const STALE_LOCK_MS = 120_000;
const LOCK_WAIT_MS = 180_000;

function holderIsGone(lockPath: string): boolean {
  let pid = NaN;
  let ageMs = 0;
  try {
    pid = Number(readFileSync(lockPath, 'utf8').trim());
    ageMs = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return false; // vanished or being written: just try again
  }
  if (ageMs > STALE_LOCK_MS) return true;
  if (!Number.isInteger(pid) || pid <= 0) return ageMs > 1000;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Runs `fn` while holding `<dir>/.lock` (created with O_EXCL, holds our pid). */
export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, '.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (holderIsGone(lockPath)) {
        rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`PKI de test : verrou ${lockPath} tenu trop longtemps / lock held too long`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
