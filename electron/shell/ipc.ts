// The one wrapper every IPC handler goes through: a message is served only when it comes from the top frame of
// the one web contents allowed for that channel, showing the page expected there (our scheme, our file). Anything
// else — another window, an iframe, a page that navigated elsewhere — is refused and logged, before the payload is
// even looked at. Payloads are then checked per channel by the handler (controller.handle / the PIN dialog).

import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { AppController } from '../core/controller.ts';
import type { LogPort } from '../core/log.ts';
import { IPC, MAIN_PAGE } from './channels.ts';

export interface AllowedSender {
  /** The web contents allowed right now (windows come and go: read at each message). */
  contents: () => WebContents | null;
  /** The page that web contents must be showing, without query or fragment. */
  page: string;
}

export class IpcRefused extends Error {
  constructor() { super('IPC refused'); this.name = 'IpcRefused'; }
}

export function isAllowedSender(event: IpcMainInvokeEvent, allowed: AllowedSender): boolean {
  const contents = allowed.contents();
  const frame = event.senderFrame;
  if (!contents || contents.isDestroyed() || event.sender !== contents || !frame) return false;
  // The top frame of that window only: an iframe, whatever it shows, is not our page.
  if (frame.parent !== null) return false;
  const url = frame.url.replace(/[?#].*$/, '');
  return url === allowed.page;
}

/** Registers `fn` for `channel`, served only to `allowed`. */
export function handle(channel: string, allowed: AllowedSender, log: LogPort,
  fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, (event, ...args) => {
    if (!isAllowedSender(event, allowed)) {
      log.warn('ipc.refused-sender', { channel, frame: safeOrigin(event.senderFrame?.url) });
      throw new IpcRefused();
    }
    return fn(event, ...args);
  });
}

function safeOrigin(url: string | undefined): string {
  try { return url ? new URL(url).origin : 'none'; } catch { return 'invalid'; }
}

/** The main window's whole contract: one invoke channel carrying (channel, payload), answered with a Result. */
export function registerAppIpc(controller: AppController, mainContents: () => WebContents | null, log: LogPort): () => void {
  handle(IPC.invoke, { contents: mainContents, page: MAIN_PAGE }, log,
    (_event, channel, payload) => controller.handle(channel as never, payload));
  const unsubscribe = controller.subscribe((event, payload) => {
    const wc = mainContents();
    if (wc && !wc.isDestroyed()) wc.send(IPC.event, event, payload);
  });
  return () => { unsubscribe(); ipcMain.removeHandler(IPC.invoke); };
}
