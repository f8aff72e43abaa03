// How `npm run bridge -- --open '<cpxlink URL>'` finds the running bridge and hands it a link, the way the OS hands a
// link to a second instance of the desktop app: a small file in the bridge's data folder (readable by its user only)
// gives its port and a per-run secret; the arguments go over loopback to the same controller path as Electron's
// second-instance (findLoginLinkArg, then parseLoginLink). Plain Node only, so `--open` starts and exits quickly.

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CpxError, type ErrorBody } from '../protocol/errors.ts';
import type { BrowserLoginState, Result } from '../protocol/ipc.ts';

export const INSTANCE_FILE = 'bridge-instance.json';
/** The loopback endpoint that receives a second instance's arguments. */
export const OPEN_PATH = '/__bridge/open';
export const OPEN_SECRET_HEADER = 'x-cpx-open-secret';

export interface BridgeInstance { port: number; secret: string; pid: number }

export function newInstanceSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Written once the bridge listens; removed when it stops. */
export async function writeInstanceFile(dataDir: string, instance: BridgeInstance): Promise<string> {
  const file = path.join(dataDir, INSTANCE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(instance), { mode: 0o600 });
  await rename(tmp, file);
  return file;
}

export async function removeInstanceFile(dataDir: string, secret: string): Promise<void> {
  const file = path.join(dataDir, INSTANCE_FILE);
  // Another bridge may have started on the same folder since: its file is not ours to remove.
  const current = await readInstance(dataDir).catch(() => null);
  if (current?.secret === secret) await rm(file, { force: true });
}

export async function readInstance(dataDir: string): Promise<BridgeInstance> {
  const raw = JSON.parse(await readFile(path.join(dataDir, INSTANCE_FILE), 'utf8')) as Partial<BridgeInstance>;
  if (!Number.isInteger(raw.port) || typeof raw.secret !== 'string' || !raw.secret) throw new Error(`${INSTANCE_FILE}: unreadable`);
  return { port: raw.port!, secret: raw.secret, pid: Number(raw.pid) };
}

export type HandOverAnswer = Result<BrowserLoginState> | { ok: false; error: ErrorBody; noBridge: true };

/** Hands a second instance's arguments to the bridge whose data folder is `dataDir`. */
export async function handOverArgs(dataDir: string, argv: readonly string[]): Promise<HandOverAnswer> {
  let instance: BridgeInstance;
  try {
    instance = await readInstance(dataDir);
  } catch {
    return { ok: false, noBridge: true, error: new CpxError('SERVICE_UNREACHABLE', { detail: `aucun pont lancé avec ${dataDir}` }).toBody() };
  }
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${instance.port}${OPEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [OPEN_SECRET_HEADER]: instance.secret },
      body: JSON.stringify({ argv }),
    });
  } catch (err) {
    return { ok: false, noBridge: true,
      error: new CpxError('SERVICE_UNREACHABLE', { detail: `pont sur le port ${instance.port} : ${(err as Error).message}` }).toBody() };
  }
  return await res.json() as HandOverAnswer;
}
