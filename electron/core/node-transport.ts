// Runs the bundled card service (dist/.../card-service.cjs) in a plain Node process. The packaged app uses an
// Electron utility process instead (shell/utility-transport.ts); this one serves where the PKCS#11 binding is built
// for Node rather than for Electron: the unpackaged app in a checkout (`npm run demo`), and the bundle's own test.

import { fork } from 'node:child_process';
import type { ServiceTransport } from '../../native/service/transport.ts';

export interface NodeTransportOptions {
  /** The Node executable (default: the one running this process). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** The worker's stderr, as it comes (default: dropped; the worker logs nothing unless CPX_CARD_SERVICE_LOG). */
  stderr?: (chunk: string) => void;
}

export function nodeTransport(workerBundle: string, opts: NodeTransportOptions = {}): ServiceTransport {
  return {
    start(options) {
      const child = fork(workerBundle, [JSON.stringify(options)], {
        execPath: opts.execPath ?? process.execPath,
        execArgv: [],
        env: opts.env ?? process.env,
        // Structured clone: a Uint8Array PIN stays bytes, and is serialised before send() returns.
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      child.stderr?.setEncoding('utf8').on('data', (c: string) => opts.stderr?.(c));
      let exited = false;
      const onExit: ((info: { code: number | null; signal: string | null }) => void)[] = [];
      const gone = (code: number | null, signal: string | null) => {
        if (exited) return;
        exited = true;
        for (const cb of onExit) cb({ code, signal });
      };
      child.on('exit', gone);
      // A Node that cannot be started at all (wrong execPath) never exits: it errors.
      child.on('error', () => { if (child.pid === undefined) gone(null, null); });
      return {
        get pid() { return child.pid; },
        send(msg) {
          if (exited || !child.connected) throw new Error('card service channel closed');
          child.send(msg as never);
        },
        onMessage(cb) { child.on('message', cb); },
        onExit(cb) { onExit.push(cb); },
        kill() { if (!exited) child.kill('SIGKILL'); },
      };
    },
  };
}
