// The account service as its own process (`server/main.ts`, as `npm run server` starts it): for tests that run
// several of them on one database, and the server bench.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServiceProcess { url: string; child: ChildProcess; stop(): Promise<void> }

/** Starts it and resolves once it prints `listening on …`. Its own stdout/stderr are kept for the error message. */
export async function startServiceProcess(args: string[], nodeArgs: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO, 'server', 'main.ts'), ...args], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CPX_TEST_TRUST: '', CPX_TEST_CRL: '' },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`service did not start: ${err}`)); }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]!); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`service exited (${code}): ${err}`)); });
  });
  return {
    url, child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((ok) => { child.once('exit', ok); setTimeout(ok, 5_000).unref(); });
    },
  };
}
