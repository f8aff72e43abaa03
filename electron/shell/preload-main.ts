// Preload of the main window: exposes exactly one object, `window.cpx` (CpxApi), and nothing of Electron or Node.
// Every call goes through the single invoke channel; main checks the sender and the payload.

import { contextBridge, ipcRenderer } from 'electron';
import { APP_EVENTS, type AppEventName, type CpxApi } from '../../protocol/ipc.ts';
import { IPC } from './channels.ts';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC.event, (_event, name: unknown, payload: unknown) => {
  for (const l of listeners.get(String(name)) ?? []) l(payload);
});

const api: CpxApi = {
  invoke: (channel, request) => ipcRenderer.invoke(IPC.invoke, channel, request),
  on: (event, listener) => {
    if (!(APP_EVENTS as readonly string[]).includes(event)) throw new Error(`unknown event ${String(event)}`);
    const set = listeners.get(event) ?? new Set();
    listeners.set(event as AppEventName, set);
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => { set.delete(l); };
  },
};

contextBridge.exposeInMainWorld('cpx', api);
