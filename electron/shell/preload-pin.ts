// Preload of the PIN dialog: exposes exactly one object, `window.cpxPin` (PinDialogApi). The PIN leaves the page as
// bytes on the PIN channel, and the page's copy of those bytes is zeroed once IPC has serialised them.

import { contextBridge, ipcRenderer } from 'electron';
import type { PinDialogApi } from '../../protocol/ipc.ts';
import { IPC } from './channels.ts';

const api: PinDialogApi = {
  request: () => ipcRenderer.invoke(IPC.pinRequest),
  submit: async (pin, confirmFinalTry) => {
    const bytes = new TextEncoder().encode(typeof pin === 'string' ? pin : '');
    const sent = ipcRenderer.invoke(IPC.pinSubmit, bytes, confirmFinalTry === true);
    bytes.fill(0);
    return sent;
  },
  cancel: async () => { await ipcRenderer.invoke(IPC.pinCancel); },
};

contextBridge.exposeInMainWorld('cpxPin', api);
