// Every window the app opens, and the rules every web contents obeys whoever created it: sandboxed, isolated, no
// Node, no webview, no navigation away from our pages, no popups. A link the user clicks opens in the system browser
// only when the controller's allow list says so (https, allowed origin).

import { app, BrowserWindow, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';
import type { LogPort } from '../core/log.ts';
import { APP_ORIGIN, MAIN_PAGE, PIN_PAGE, UI_PARTITION } from './channels.ts';

/** What a window may choose; its web preferences are not among them. */
type WindowOptions = Omit<BrowserWindowConstructorOptions, 'webPreferences'>;

/**
 * The one place the app creates a window. The security settings are written here as literals so a reader, and
 * electronegativity (which cannot follow a function call), see them where the window is made.
 */
function secureWindow(options: WindowOptions, preload: string): BrowserWindow {
  return new BrowserWindow({
    ...options,
    webPreferences: {
      preload, // eng-disable PRELOAD_JS_CHECK — each preload exposes one object (window.cpx / window.cpxPin), tested in shell.test.ts
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click would ask for a new window; the page never needs it (and window.open is denied anyway).
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      partition: UI_PARTITION,
      devTools: !app.isPackaged,
    },
  });
}

/** Checks a URL against the allow list and returns what may be opened, or throws (the controller's rule). */
export type ExternalLinkCheck = (url: string) => string;

/** Applied to every web contents the app ever creates (app 'web-contents-created'). */
export function hardenWebContents(contents: WebContents, checkLink: ExternalLinkCheck, log: LogPort): void {
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('ui.webview-refused', {});
  });
  const refuseNavigation = (event: { preventDefault(): void }, url: string) => {
    if (url === contents.getURL()) return; // a reload of the page itself
    event.preventDefault();
    openIfAllowed(url, checkLink, log);
  };
  contents.on('will-navigate', (event) => refuseNavigation(event, event.url));
  contents.on('will-redirect', (event) => { event.preventDefault(); });
  contents.on('will-frame-navigate', (event) => {
    if (!event.url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openIfAllowed(url, checkLink, log);
    return { action: 'deny' };
  });
}

function openIfAllowed(url: string, checkLink: ExternalLinkCheck, log: LogPort): void {
  try {
    void shell.openExternal(checkLink(url)); // eng-disable OPEN_EXTERNAL_JS_CHECK — only what checkLink returned: https to an allowed origin
  } catch (err) {
    log.warn('ui.link-refused', { code: (err as { code?: string }).code ?? 'INVALID' });
  }
}

export interface MainWindowOptions {
  preload: string;
  log: LogPort;
  /**
   * The page that showed a card flow is gone — window closed, page reloaded or crashed — so nobody is left to answer
   * its PIN prompt: the host ends the flow and frees the card (controller.cancelFlow('window-gone')).
   */
  onPageGone?: () => void;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = secureWindow({
    width: 1040,
    height: 760,
    minWidth: 720,
    minHeight: 560,
    show: false,
    title: 'CPx Link',
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
  }, opts.preload);
  win.once('ready-to-show', () => win.show());
  if (opts.onPageGone) {
    const gone = opts.onPageGone;
    win.on('closed', gone);
    win.webContents.on('render-process-gone', gone);
    win.webContents.on('did-start-navigation', (details) => {
      // The first load starts from no page at all; any later main-frame load replaces the page (a reload).
      if (details.isMainFrame && !details.isSameDocument && win.webContents.getURL() !== '') gone();
    });
  }
  win.loadURL(MAIN_PAGE).catch((err: unknown) => opts.log.error('ui.load-failed', { page: 'main', err }));
  return win;
}

export interface PinWindowOptions {
  parent: BrowserWindow | null;
  preload: string;
  log: LogPort;
  /** Shown once loaded (default); false: made ahead, hidden, for the PIN dialog to show when a question comes. */
  show?: boolean;
}

/** Small, modal to the main window, not resizable: it only asks for the PIN. */
export function createPinWindow(opts: PinWindowOptions): BrowserWindow {
  const win = secureWindow({
    parent: opts.parent ?? undefined,
    modal: opts.parent !== null,
    // The page's own viewport is 480×640 (useContentSize), the size its layout is tested at (tests/e2e/pin-fits).
    width: 480,
    height: 640,
    useContentSize: true,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    show: false,
    title: 'CPx Link — Code porteur',
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
  }, opts.preload);
  if (opts.show !== false) win.once('ready-to-show', () => { win.show(); win.focus(); });
  win.loadURL(PIN_PAGE).catch((err: unknown) => opts.log.error('ui.load-failed', { page: 'pin', err }));
  return win;
}
