// How a host starts the card service process. The default forks a Node child running worker.ts with tsx; the same
// transport runs the bundled worker (a .cjs, no loader) under a chosen Node — the unpackaged desktop app, whose
// PKCS#11 binding is built for Node. Electron main otherwise plugs in a transport built on utilityProcess.fork with
// the same shape (electron/shell/), so the client never knows which.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CardServiceOptions } from '../../protocol/card-service.ts';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface ServiceProcess {
  readonly pid: number | undefined;
  /** Serialises the message before returning (structured clone), so the caller may zero what it sent. */
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  /** Called once when the process is gone, whatever the reason (exit, crash, kill). */
  onExit(cb: (info: ExitInfo) => void): void;
  kill(): void;
}

export interface ServiceTransport {
  start(options: CardServiceOptions): ServiceProcess;
}

export const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** `--import tsx` by absolute URL: the host may run from any directory (npx cpx-link elsewhere than the checkout). */
function tsxImport(): string {
  try { return import.meta.resolve('tsx'); } catch { return 'tsx'; }
}

export interface ForkTransportOptions {
  /** The worker to run (default: worker.ts here, with tsx; a bundled .cjs runs as it is). */
  workerPath?: string;
  /** The Node executable (default: the one running this process). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** The worker's stdout/stderr, line by line as they come (default: stderr goes to this process's stderr). */
  output?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  execArgv?: string[];
}

export function forkTransport(opts: ForkTransportOptions = {}): ServiceTransport {
  return {
    start(options) {
      const worker = opts.workerPath ?? WORKER_PATH;
      const child: ChildProcess = fork(worker, [JSON.stringify(options)], {
        execPath: opts.execPath ?? process.execPath,
        execArgv: opts.execArgv ?? (worker.endsWith('.ts') ? ['--import', tsxImport()] : []),
        env: opts.env ?? process.env,
        // Advanced serialisation = structured clone: a Uint8Array PIN stays bytes (JSON would turn it into an object).
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const output = opts.output ?? ((stream, chunk) => { if (stream === 'stderr') process.stderr.write(chunk); });
      child.stdout?.setEncoding('utf8').on('data', (c: string) => output('stdout', c));
      child.stderr?.setEncoding('utf8').on('data', (c: string) => output('stderr', c));
      // A spawn that failed can leave the IPC channel looking connected for a moment after its error: once the
      // process is known gone, nothing is sent whatever the channel says.
      let gone = false;
      return {
        get pid() { return child.pid; },
        send(msg) {
          if (gone || !child.connected) throw new Error('card service channel closed');
          child.send(msg as never);
        },
        onMessage(cb) { child.on('message', cb); },
        onExit(cb) {
          let done = false;
          const fire = (code: number | null, signal: string | null) => { gone = true; if (!done) { done = true; cb({ code, signal }); } };
          child.on('exit', (code, signal) => fire(code, signal));
          // A Node that cannot be started at all (wrong execPath) never exits: it errors, with no pid.
          child.on('error', () => {
            if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) fire(child.exitCode, child.signalCode);
          });
        },
        kill() { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
      };
    },
  };
}
