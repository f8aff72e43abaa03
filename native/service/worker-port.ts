// The worker's side of the channel to its host: a Node child process (process.send) or an Electron utility
// process (process.parentPort). Both use structured clone, so a Uint8Array PIN arrives as bytes, not as JSON.

export interface WorkerPort {
  /** Resolves once the message has been handed to the OS (matters before a blocking PIN-pad C_Login). */
  send(msg: unknown): Promise<void>;
  onMessage(cb: (msg: unknown) => void): void;
  /** The host went away: finalise and exit. */
  onClose(cb: () => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

export function detectPort(): WorkerPort {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: async (msg) => { parentPort.postMessage(msg); },
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)),
      onClose: () => { /* Electron kills the utility process with its parent */ },
    };
  }
  if (typeof process.send === 'function') {
    return {
      send: (msg) => new Promise((resolve) => {
        if (!process.connected) return resolve();
        process.send!(msg, undefined, {}, () => resolve());
      }),
      onMessage: (cb) => process.on('message', cb),
      onClose: (cb) => process.on('disconnect', cb),
    };
  }
  throw new Error('card service worker: no IPC channel (start it with child_process.fork or utilityProcess.fork)');
}
