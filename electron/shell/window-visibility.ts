// Tells the controller whether any window of the app is shown: the card service looks at the readers often only
// then (native/service/watch-schedule.ts). Every window counts, the PIN window too; one shown and not minimised is
// enough. Read again at each show/hide/minimise/restore of any window, and when one opens or closes.

import { app, BrowserWindow } from 'electron';
import type { Visibility } from '../../protocol/card-service.ts';

const EVENTS = ['show', 'hide', 'minimize', 'restore', 'closed'] as const;

/** What all the app's windows add up to: visible when one is shown and not minimised. */
export function windowsVisibility(): Visibility {
  return BrowserWindow.getAllWindows().some((w) => !w.isDestroyed() && w.isVisible() && !w.isMinimized()) ? 'visible' : 'hidden';
}

export function followWindowVisibility(tell: (window: Visibility) => void): void {
  // 'closed' fires while the window is still listed: read once it is gone.
  const update = () => setImmediate(() => tell(windowsVisibility()));
  app.on('browser-window-created', (_event, win) => {
    for (const name of EVENTS) win.on(name as 'show', update);
  });
  for (const win of BrowserWindow.getAllWindows()) for (const name of EVENTS) win.on(name as 'show', update);
}
