// Starts H5's reference account service (`npm run server` contract, ../shared/contracts.md) as a child process and
// waits for its "listening on" line. Used by the bridge's demo mode, the end-to-end tests and the benches.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './stack.ts';

export interface ReferenceServerOptions {
  dataDir: string;
  port?: number;
  seed?: boolean;
  origin?: string;
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for "listening on" after this long (first start migrates a fresh PGlite). */
  startTimeoutMs?: number;
  /** Request log (`--log`): each request the service receives is counted (tests check that nothing was sent). */
  logRequests?: boolean;
  /** Extra arguments (e.g. `--name`). */
  args?: string[];
}

export interface ReferenceServer {
  readonly url: string;
  readonly port: number;
  /** Stops the process (the data directory stays). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory ("service back"). */
  restart(): Promise<void>;
  /** Requests received so far, as "METHOD /path" (with `logRequests`; empty otherwise). */
  readonly requests: readonly string[];
}

export async function startReferenceServer(opts: ReferenceServerOptions): Promise<ReferenceServer> {
  let child: ChildProcess | null = null;
  let port = opts.port ?? 0;
  const requests: string[] = [];

  const launch = async (): Promise<void> => {
    const args = ['--import', 'tsx', path.join(REPO_ROOT, 'server', 'main.ts'), '--port', String(port), '--data-dir', opts.dataDir];
    if (opts.seed !== false) args.push('--seed');
    if (opts.origin) args.push('--origin', opts.origin);
    if (opts.logRequests) args.push('--log');
    args.push(...opts.args ?? []);
    const c = spawn(process.execPath, args, { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let output = '';
    const onErr = (d: Buffer) => { output += d.toString('utf8'); };
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`reference server did not start:\n${output.slice(-2000)}`)); },
        opts.startTimeoutMs ?? 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onErr);
      c.once('exit', (code) => { clearTimeout(timer); reject(new Error(`reference server exited (${code}):\n${output.slice(-2000)}`)); });
    });
    // Keep reading so a chatty server never blocks on a full pipe; the request log is JSON lines on stderr.
    c.stdout!.removeAllListeners('data');
    c.stderr!.off('data', onErr);
    c.stdout!.resume();
    const lines = createInterface({ input: c.stderr! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; req?: { method?: string; url?: string } };
        if (entry.msg === 'incoming request' && entry.req) requests.push(`${entry.req.method} ${entry.req.url}`);
      } catch { /* not a log line */ }
    });
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => { clearTimeout(timer); resolve(); });
      c.kill('SIGTERM');
    });
  };

  await launch();
  return {
    get url() { return `http://127.0.0.1:${port}`; },
    get port() { return port; },
    requests,
    stop,
    async restart() { await stop(); await launch(); },
  };
}
