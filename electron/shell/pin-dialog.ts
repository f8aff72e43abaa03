// The PIN prompt port in Electron: a small modal window of its own (renderer/dist/pin.html, preload-pin), the only
// page that ever holds a PIN. The PIN travels PIN window → this object → the card service request, as bytes; it
// never reaches the main window, is never logged, and the bytes are zeroed once sent (protocol/pin.ts says who
// zeroes what, where).
//
// The window stays open across a wrong PIN (the next ask shows the error in the same window) and during a PIN-pad
// wait; the flow closes it when the operation is over.
//
// The next operation's window is made ahead, hidden: created and loaded (its page waiting for a question) after the
// app starts and again a moment after each operation, so a question shows in a page already there instead of a
// window created and loaded for it (~0.4 s here, bench/README.md). Between operations the window that showed a
// question is destroyed, not reused: nothing of a question or its field outlives its operation. A window that
// crashes is replaced the same way.

import type { BrowserWindow } from 'electron';
import { CpxError, toCpxError, type Lang } from '../../protocol/errors.ts';
import type { PinDialogRequest, Result } from '../../protocol/ipc.ts';
import { submitRefusal } from '../../protocol/pin.ts';
import type { LogPort } from '../core/log.ts';
import type { PinAnswer, PinPromptPort } from '../core/ports.ts';
import { IPC, PIN_PAGE } from './channels.ts';
import { handle } from './ipc.ts';
import { createPinWindow } from './windows.ts';

/**
 * How long after an operation the next hidden window is made: after the browser's completion has been handed over
 * and the page loaded, not competing with them for the CPU.
 */
const NEXT_WINDOW_DELAY_MS = 2000;

interface PendingAsk {
  request: PinDialogRequest;
  resolve: (answer: PinAnswer | null) => void;
}

export class PinDialog implements PinPromptPort {
  readonly #parent: () => BrowserWindow | null;
  readonly #preload: string;
  readonly #log: LogPort;
  #window: BrowserWindow | null = null;
  #pending: PendingAsk | null = null;
  /** A question the page has not fetched yet. */
  #undelivered: PinDialogRequest | null = null;
  /** The page's `request()` calls waiting for the next question (after it answered the previous one). */
  #waiting: ((req: PinDialogRequest) => void)[] = [];
  /** The answer given for the operation under way, withdrawn if the user cancels while the card works (PIN pad). */
  #answered: AbortController | null = null;
  /** The user closed a prepared window before its question came: that question is answered null (cancelled). */
  #dismissedBeforeAsk = false;
  /** An operation is under way (prepared or asked, not closed yet): the window is shown and belongs to it. */
  #inUse = false;
  #nextWindow: ReturnType<typeof setTimeout> | null = null;
  #disposed = false;

  constructor(parent: () => BrowserWindow | null, preload: string, log: LogPort) {
    this.#parent = parent;
    this.#preload = preload;
    this.#log = log;
    const allowed = { contents: () => this.#window?.webContents ?? null, page: PIN_PAGE };
    handle(IPC.pinRequest, allowed, log, () => this.#nextRequest());
    handle(IPC.pinSubmit, allowed, log, (_e, pin, confirm) => asResult(() => this.#submit(pin, confirm), this.#pending?.request.lang));
    handle(IPC.pinCancel, allowed, log, () => { this.#cancel(); });
  }

  /** Shows the window now (its page waits for the question), so that the question shows the moment it is asked. */
  prepare(): void {
    this.#dismissedBeforeAsk = false;
    this.#inUse = true;
    this.#ensureWindow();
  }

  /** Makes the next operation's window now, hidden, loaded and waiting (the app calls this once its window is up). */
  warm(): void {
    if (this.#disposed || this.#window) return;
    this.#window = this.#createWindow(false);
  }

  ask(request: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.#dismissedBeforeAsk) {
      this.#dismissedBeforeAsk = false;
      return Promise.resolve(null);
    }
    this.#settle(null); // a previous ask still open is over: only one question at a time
    this.#answered = null;
    this.#inUse = true;
    return new Promise<PinAnswer | null>((resolve) => {
      const onAbort = () => { this.#settle(null); this.close(); };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending = { request, resolve: (a) => { signal.removeEventListener('abort', onAbort); resolve(a); } };
      this.#ensureWindow();
      const waiters = this.#waiting.splice(0);
      this.#undelivered = waiters.length ? null : request;
      for (const w of waiters) w(request);
    });
  }

  /** The operation is over: its window goes (an idle hidden one stays), and the next one is made a moment later. */
  close(): void {
    this.#settle(null);
    this.#answered = null;
    this.#dismissedBeforeAsk = false;
    const used = this.#inUse;
    this.#inUse = false;
    if (used || this.#window?.isVisible()) this.#dropWindow();
    this.#makeNextWindowSoon();
  }

  /** The app quits: the window goes, and no other is made. */
  dispose(): void {
    this.#disposed = true;
    if (this.#nextWindow) clearTimeout(this.#nextWindow);
    this.close();
  }

  #dropWindow(): void {
    const w = this.#window;
    this.#window = null;
    this.#waiting = []; // their page goes with the window
    if (w && !w.isDestroyed()) w.destroy();
  }

  #makeNextWindowSoon(): void {
    if (this.#nextWindow) clearTimeout(this.#nextWindow);
    this.#nextWindow = null;
    if (this.#disposed || this.#window) return;
    this.#nextWindow = setTimeout(() => {
      this.#nextWindow = null;
      // Not while an operation is opening its own, and only beside the main window (it is the window's parent).
      if (!this.#inUse && this.#parent()) this.warm();
    }, NEXT_WINDOW_DELAY_MS);
    this.#nextWindow.unref?.();
  }

  /** The window for the operation under way, shown: the one made ahead when there is one, else a new one. */
  #ensureWindow(): void {
    if (this.#nextWindow) { clearTimeout(this.#nextWindow); this.#nextWindow = null; }
    const w = this.#window;
    if (w && !w.isDestroyed()) {
      if (readyWindows.has(w)) { w.show(); w.focus(); } else w.once('ready-to-show', () => { w.show(); w.focus(); });
      return;
    }
    this.#window = this.#createWindow(true);
  }

  #createWindow(show: boolean): BrowserWindow {
    const win = createPinWindow({ parent: this.#parent(), preload: this.#preload, log: this.#log, show });
    win.once('ready-to-show', () => readyWindows.add(win));
    win.on('closed', () => {
      if (this.#window !== win) return;
      this.#window = null;
      this.#waiting = [];
      // Closed by the user while it served an operation: cancelled. A hidden one gone with its parent: made again.
      if (this.#inUse) this.#cancel(); else this.#makeNextWindowSoon();
    });
    win.webContents.on('render-process-gone', (_e, details) => {
      this.#log.warn('pin.window-gone', { reason: details.reason });
      // Its page can answer nothing any more: the window goes (its 'closed' above cancels a question it showed).
      if (!win.isDestroyed()) win.destroy();
    });
    return win;
  }

  /** The page asks what to show: the open question, or — once it answered — the next one when it comes. */
  #nextRequest(): Promise<PinDialogRequest> {
    const ready = this.#undelivered;
    this.#undelivered = null;
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #submit(pin: unknown, confirm: unknown): void {
    const p = this.#pending;
    // Bytes only (the preload encodes), well-formed, or none on a PIN pad. Invalid input is refused without saying
    // what it was.
    const bytes = pin instanceof Uint8Array ? pin : null;
    const refused = submitRefusal(p?.request ?? null, bytes, confirm);
    if (refused || !p || !bytes) {
      bytes?.fill(0);
      this.#log.warn('pin.submit-refused', { code: refused?.code, pinpad: p?.request.pinpad });
      throw refused ?? new CpxError('BAD_REQUEST');
    }
    this.#pending = null;
    this.#answered = new AbortController();
    p.resolve({ pin: bytes, confirmFinalTry: confirm === true, withdrawn: this.#answered.signal });
  }

  /** Cancel button, Escape or the window closed: the open question is answered null, or the answer given withdrawn. */
  #cancel(): void {
    if (this.#pending) this.#settle(null);
    else if (this.#answered) this.#answered.abort(new CpxError('CANCELLED'));
    else if (this.#inUse) this.#dismissedBeforeAsk = true;
  }

  #settle(answer: null): void {
    const p = this.#pending;
    this.#pending = null;
    this.#undelivered = null;
    p?.resolve(answer);
  }
}

/** Windows whose page has loaded (ready-to-show has fired): shown at once when taken. */
const readyWindows = new WeakSet<BrowserWindow>();

/** A refusal crosses IPC as data, for the page to show and go back to the field: a thrown error would lose its code. */
function asResult(run: () => void, lang: Lang = 'fr'): Result<null> {
  try {
    run();
    return { ok: true, value: null };
  } catch (err) {
    return { ok: false, error: toCpxError(err).toBody(lang) };
  }
}
