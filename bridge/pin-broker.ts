// The PIN dialog in the development bridge: the controller's PinPromptPort, served to the PIN page over HTTP.
// Each dialog window is a "session" with an unguessable id. The controller's ask() hands the session a request;
// the PIN page fetches it, and its submit goes straight back to that ask() — the main page never sees a PIN.
// Like the Electron dialog, one window stays open across wrong PINs and closes when the controller says so.
//
// `keepWindow`: the window is opened once and kept across operations, as the Electron shell keeps its PIN window
// ready (a browser pop-up cannot be hidden): when an operation ends its session is reset instead of closed — the
// page reloads (nothing of the question or the field survives) and long-polls for the next question. A question then
// shows in a page already loaded, instead of a pop-up created and loaded for it. A window the user closed is opened
// again at the next question, with a new session.

import { randomBytes } from 'node:crypto';
import type { PinAnswer, PinPromptPort } from '../electron/core/ports.ts';
import { CpxError } from '../protocol/errors.ts';
import type { PinDialogRequest } from '../protocol/ipc.ts';
import { submitRefusal } from '../protocol/pin.ts';

interface PendingAsk {
  request: PinDialogRequest;
  delivered: boolean;
  settle: (answer: PinAnswer | null) => void;
}

class PinSession {
  readonly id = randomBytes(18).toString('base64url');
  pending: PendingAsk | null = null;
  /** The answer given for the operation under way, withdrawn if the user cancels while the card works (PIN pad). */
  answered: AbortController | null = null;
  closed = false;
  /** Long-polls from the page waiting for the next request (or for the end). */
  readonly waiters = new Set<(r: PinDialogRequest | PinEnd) => void>();
  /** The page's watch for the end of the operation, which may come while it shows a request (card pulled out). */
  readonly closeWatchers = new Set<(end: PinEnd) => void>();

  deliver(): void {
    if (this.closed) { this.#end('closed'); return; }
    if (!this.pending || this.pending.delivered || this.waiters.size === 0) return;
    this.pending.delivered = true;
    const request = this.pending.request;
    for (const w of this.waiters) w(request);
    this.waiters.clear();
  }

  answer(answer: PinAnswer | null): boolean {
    const p = this.pending;
    if (!p) return false;
    this.pending = null;
    p.settle(answer);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.answer(null);
    this.deliver();
    this.#endWatchers('closed');
  }

  /** The operation is over but the window is kept: the page starts afresh and waits for the next question. */
  reset(): void {
    if (this.closed) return;
    this.answer(null);
    this.answered = null;
    this.#end('reset');
    this.#endWatchers('reset');
  }

  #end(end: PinEnd): void {
    for (const w of this.waiters) w(end);
    this.waiters.clear();
  }

  #endWatchers(end: PinEnd): void {
    for (const w of this.closeWatchers) w(end);
    this.closeWatchers.clear();
  }
}

/** How the page's waits end without a question: its window closes, or (a kept window) the page starts afresh. */
export type PinEnd = 'closed' | 'reset';

export interface PinBrokerOptions {
  /** One window kept across operations (reset between them) instead of one window per operation. */
  keepWindow?: boolean;
}


export class PinBroker implements PinPromptPort {
  readonly #open: (sessionId: string) => void;
  readonly #keep: boolean;
  #session: PinSession | null = null;
  readonly #sessions = new Map<string, PinSession>();
  /** An operation is under way (prepared or asked, not closed yet): only then does a dismissed window cancel it. */
  #inUse = false;
  /** The user closed (or cancelled) a prepared window before any question: the next question is answered null. */
  #dismissedBeforeAsk = false;

  /** `open` asks the main page to open the PIN window for a session (the page can't know when to on its own). */
  constructor(open: (sessionId: string) => void, opts: PinBrokerOptions = {}) {
    this.#open = open;
    this.#keep = opts.keepWindow === true;
  }

  /** Opens the PIN window now (its page waits for the question): it shows the moment the question is asked. */
  prepare(): void {
    this.#dismissedBeforeAsk = false;
    this.#inUse = true;
    this.#current(true);
  }

  /** The session of the window in use, opened (the main page asked to open it) when there is none. */
  #current(open: boolean): { session: PinSession; fresh: boolean } {
    let session = this.#session;
    const fresh = !session || session.closed;
    if (fresh) {
      session = new PinSession();
      this.#session = session;
      this.#sessions.set(session.id, session);
      if (open) this.#open(session.id);
    }
    return { session: session!, fresh };
  }

  ask(request: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.#dismissedBeforeAsk) {
      this.#dismissedBeforeAsk = false;
      return Promise.resolve(null);
    }
    this.#inUse = true;
    const { session: s, fresh } = this.#current(false);
    s.answer(null); // a previous ask still waiting is superseded (should not happen: the controller awaits each one)
    s.answered = null;
    return new Promise<PinAnswer | null>((resolve) => {
      const onAbort = () => { if (s.pending?.settle === settle) this.close(); };
      const settle = (a: PinAnswer | null) => { signal.removeEventListener('abort', onAbort); resolve(a); };
      s.pending = { request, delivered: false, settle };
      signal.addEventListener('abort', onAbort, { once: true });
      if (fresh) this.#open(s.id);
      s.deliver();
    });
  }

  /** The operation is over: its window closes, or — kept — is reset for the next one. */
  close(): void {
    this.#dismissedBeforeAsk = false;
    this.#inUse = false;
    if (this.#keep && this.#session && !this.#session.closed) { this.#session.reset(); return; }
    this.#session?.close();
    this.#session = null;
  }

  /** The bridge stops: a kept window closes too. */
  shutdown(): void {
    this.#dismissedBeforeAsk = false;
    this.#inUse = false;
    this.#session?.close();
    this.#session = null;
  }

  /** True while a PIN window is meant to be open (tests and the shim use it to know a dialog is up). */
  get open(): boolean {
    return !!this.#session && !this.#session.closed;
  }

  /** The page's long-poll: the next request not yet shown, or how its wait ends (window closed, or page reset). */
  nextRequest(sessionId: string, gone: AbortSignal): Promise<PinDialogRequest | PinEnd> {
    const s = this.#sessions.get(sessionId);
    if (!s) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const waiter = (r: PinDialogRequest | PinEnd) => { gone.removeEventListener('abort', drop); resolve(r); };
      const drop = () => { s.waiters.delete(waiter); };
      gone.addEventListener('abort', drop, { once: true });
      s.waiters.add(waiter);
      s.deliver();
    });
  }

  /** Resolves when the operation ends: the window closes (at once for an unknown or closed session), or is reset. */
  whenClosed(sessionId: string, gone: AbortSignal): Promise<PinEnd> {
    const s = this.#sessions.get(sessionId);
    if (!s || s.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const watcher = (end: PinEnd) => { gone.removeEventListener('abort', drop); resolve(end); };
      const drop = () => { s.closeWatchers.delete(watcher); };
      gone.addEventListener('abort', drop, { once: true });
      s.closeWatchers.add(watcher);
    });
  }

  /**
   * The PIN as the page sent it: checked, turned into bytes for the controller (which zeroes them). A refusal is a
   * CpxError the page shows, the question staying open (protocol/pin.ts: submitRefusal, as in the Electron dialog).
   */
  submit(sessionId: string, pin: unknown, confirmFinalTry: unknown): void {
    const s = this.#sessions.get(sessionId);
    const req = s && !s.closed && s.pending?.delivered ? s.pending.request : null;
    const refused = submitRefusal(req, typeof pin === 'string' ? pin : null, confirmFinalTry);
    if (refused) throw refused;
    if (!s || !req || typeof pin !== 'string') return;
    const bytes = new Uint8Array(pin.length);
    for (let i = 0; i < pin.length; i++) bytes[i] = pin.charCodeAt(i);
    s.answered = new AbortController();
    s.answer({ pin: bytes, confirmFinalTry: confirmFinalTry === true, withdrawn: s.answered.signal });
  }

  /**
   * Cancel button, Escape, or the window closed by the user: the waiting ask resolves null (CANCELLED), or — when the
   * user already answered and the card is working (PIN-pad wait) — that answer is withdrawn.
   */
  cancel(sessionId: string, windowGone = false): boolean {
    const s = this.#sessions.get(sessionId);
    if (!s) return false;
    if (!s.answer(null)) {
      if (s.answered) s.answered.abort(new CpxError('CANCELLED'));
      else if (this.#session === s && this.#inUse) this.#dismissedBeforeAsk = true; // a prepared window dismissed before its question
    }
    if (windowGone) {
      s.closed = true;
      if (this.#session === s) this.#session = null;
      this.#sessions.delete(sessionId);
    }
    return true;
  }
}
