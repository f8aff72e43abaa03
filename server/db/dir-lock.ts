// PGlite runs inside the process that opens it: two processes on one data directory would each believe they
// own it and corrupt it. A lock file holding the owner's pid keeps a second service out; a lock left by a
// process that no longer exists is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'cpx-service.lock';
/** Directories this process holds (its own pid in a lock file is otherwise indistinguishable from a stale one). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns the release function; throws when another live process holds the directory. */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(file);
      return () => { held.delete(file); rmSync(file, { force: true }); };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (held.has(file) || (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner))) {
        throw new Error(`le répertoire de données ${dir} est déjà utilisé par un autre service (pid ${owner})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`impossible de verrouiller le répertoire de données ${dir}`);
}
