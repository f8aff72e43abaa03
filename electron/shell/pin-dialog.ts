// The PIN prompt port in Electron: a small modal window of its own (renderer/dist/pin.html, preload-pin), the only
// page that ever holds a PIN. The PIN travels PIN window → this object → the card service request, as bytes; it
// never reaches the main window, is never logged, and the bytes are zeroed once sent (protocol/pin.ts says who
// zeroes what, where).
//
// The window stays open across a wrong PIN (the next ask shows the error in the same window) and during a PIN-pad
// wait; the flow closes it when the operation is over.

import type { BrowserWindow } from 'electron';
import { CpxError } from '../../protocol/errors.ts';
import type { PinDialogRequest } from '../../protocol/ipc.ts';
import { isPinWellFormed } from '../../protocol/pin.ts';
import type { LogPort } from '../core/log.ts';
import type { PinAnswer, PinPromptPort } from '../core/ports.ts';
import { IPC, PIN_PAGE } from './channels.ts';
import { handle } from './ipc.ts';
import { createPinWindow } from './windows.ts';

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

  constructor(parent: () => BrowserWindow | null, preload: string, log: LogPort) {
    this.#parent = parent;
    this.#preload = preload;
    this.#log = log;
    const allowed = { contents: () => this.#window?.webContents ?? null, page: PIN_PAGE };
    handle(IPC.pinRequest, allowed, log, () => this.#nextRequest());
    handle(IPC.pinSubmit, allowed, log, (_e, pin, confirm) => { this.#submit(pin, confirm); });
    handle(IPC.pinCancel, allowed, log, () => { this.#cancel(); });
  }

  /** Opens the window now (its page waits for the question), so that the question shows the moment it is asked. */
  prepare(): void {
    this.#dismissedBeforeAsk = false;
    this.#ensureWindow();
  }

  ask(request: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.#dismissedBeforeAsk) {
      this.#dismissedBeforeAsk = false;
      return Promise.resolve(null);
    }
    this.#settle(null); // a previous ask still open is over: only one question at a time
    this.#answered = null;
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

  close(): void {
    this.#settle(null);
    this.#answered = null;
    this.#dismissedBeforeAsk = false;
    const w = this.#window;
    this.#window = null;
    this.#waiting = []; // their page goes with the window
    if (w && !w.isDestroyed()) w.destroy();
  }

  #ensureWindow(): void {
    if (this.#window && !this.#window.isDestroyed()) { this.#window.focus(); return; }
    const win = createPinWindow({ parent: this.#parent(), preload: this.#preload, log: this.#log });
    win.on('closed', () => {
      if (this.#window === win) { this.#window = null; this.#waiting = []; this.#cancel(); }
    });
    this.#window = win;
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
    if (!p) throw new Error('no PIN was asked');
    // Bytes only (the preload encodes), well-formed, or none on a PIN pad. Invalid input is refused without saying
    // what it was.
    if (!(pin instanceof Uint8Array)) throw new Error('PIN: bytes expected');
    const ok = p.request.pinpad ? pin.length === 0 : isPinWellFormed(pin);
    if (!ok || (p.request.finalTry && confirm !== true)) {
      pin.fill(0);
      this.#log.warn('pin.submit-refused', { pinpad: p.request.pinpad });
      throw new Error('PIN: not acceptable');
    }
    this.#pending = null;
    this.#answered = new AbortController();
    p.resolve({ pin, confirmFinalTry: confirm === true, withdrawn: this.#answered.signal });
  }

  /** Cancel button, Escape or the window closed: the open question is answered null, or the answer given withdrawn. */
  #cancel(): void {
    if (this.#pending) this.#settle(null);
    else if (this.#answered) this.#answered.abort(new CpxError('CANCELLED'));
    else this.#dismissedBeforeAsk = true;
  }

  #settle(answer: null): void {
    const p = this.#pending;
    this.#pending = null;
    this.#undelivered = null;
    p?.resolve(answer);
  }
}
