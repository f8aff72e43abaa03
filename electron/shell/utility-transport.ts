// The card service's process in the desktop app: an Electron utility process (a Node process Chromium manages; no
// ELECTRON_RUN_AS_NODE needed, so the RunAsNode fuse stays off). Same ServiceTransport shape as the CLI's Node fork,
// so CardServiceClient (native/service/client.ts) restarts it after a crash the same way.

import { utilityProcess } from 'electron';
import type { ServiceTransport } from '../../native/service/transport.ts';
import type { LogPort } from '../core/log.ts';

export function utilityTransport(workerPath: string, log: LogPort): ServiceTransport {
  return {
    start(options) {
      const child = utilityProcess.fork(workerPath, [JSON.stringify(options)], {
        serviceName: 'CPx Link card service',
        stdio: 'pipe',
      });
      // The worker writes to stderr only when asked (CPX_CARD_SERVICE_LOG) and never request parameters; still
      // through the redacting log.
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => log.info('card-service.stderr', { text: chunk.trim() }));
      child.stdout?.resume();
      let exited = false;
      const exitListeners: ((info: { code: number | null; signal: string | null }) => void)[] = [];
      child.on('exit', (code) => {
        exited = true;
        for (const l of exitListeners) l({ code, signal: null });
      });
      return {
        get pid() { return child.pid; },
        // postMessage serialises (structured clone) before returning: the client may zero the PIN right after.
        send(msg) {
          if (exited) throw new Error('card service exited');
          child.postMessage(msg);
        },
        onMessage(cb) { child.on('message', cb); },
        onExit(cb) { exitListeners.push(cb); },
        kill() { if (!exited) child.kill(); },
      };
    },
  };
}
