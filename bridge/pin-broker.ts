// The PIN dialog in the development bridge: the controller's PinPromptPort, served to the PIN page over HTTP.
// Each dialog window is a "session" with an unguessable id. The controller's ask() hands the session a request;
// the PIN page fetches it, and its submit goes straight back to that ask() — the main page never sees a PIN.
// Like the Electron dialog, one window stays open across wrong PINs and closes when the controller says so.

import { randomBytes } from 'node:crypto';
import type { PinAnswer, PinPromptPort } from '../electron/core/ports.ts';
import { CpxError } from '../protocol/errors.ts';
import type { PinDialogRequest } from '../protocol/ipc.ts';
import { isPinWellFormed } from '../protocol/pin.ts';

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
  readonly waiters = new Set<(r: PinDialogRequest | null) => void>();
  /** The page's watch for the end of the operation, which may come while it shows a request (card pulled out). */
  readonly closeWatchers = new Set<() => void>();

  deliver(): void {
    if (this.closed) { for (const w of this.waiters) w(null); this.waiters.clear(); return; }
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
    for (const w of this.closeWatchers) w();
    this.closeWatchers.clear();
  }
}

export type SubmitOutcome = 'ok' | 'unknown-session' | 'no-request' | 'malformed';

export class PinBroker implements PinPromptPort {
  readonly #open: (sessionId: string) => void;
  #session: PinSession | null = null;
  readonly #sessions = new Map<string, PinSession>();
  /** The user closed (or cancelled) a prepared window before any question: the next question is answered null. */
  #dismissedBeforeAsk = false;

  /** `open` asks the main page to open the PIN window for a session (the page can't know when to on its own). */
  constructor(open: (sessionId: string) => void) {
    this.#open = open;
  }

  /** Opens the PIN window now (its page waits for the question): it shows the moment the question is asked. */
  prepare(): void {
    this.#dismissedBeforeAsk = false;
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
    const { session: s, fresh } = this.#current(false);
    s.answer(null); // a previous ask still waiting is superseded (should not happen: the controller awaits each one)
    s.answered = null;
    return new Promise<PinAnswer | null>((resolve) => {
      const onAbort = () => { if (s.pending?.settle === settle) s.close(); };
      const settle = (a: PinAnswer | null) => { signal.removeEventListener('abort', onAbort); resolve(a); };
      s.pending = { request, delivered: false, settle };
      signal.addEventListener('abort', onAbort, { once: true });
      if (fresh) this.#open(s.id);
      s.deliver();
    });
  }

  close(): void {
    this.#dismissedBeforeAsk = false;
    this.#session?.close();
    this.#session = null;
  }

  /** True while a PIN window is meant to be open (tests and the shim use it to know a dialog is up). */
  get open(): boolean {
    return !!this.#session && !this.#session.closed;
  }

  /** The page's long-poll: the next request not yet shown, or null once the window should close. */
  nextRequest(sessionId: string, gone: AbortSignal): Promise<PinDialogRequest | null> {
    const s = this.#sessions.get(sessionId);
    if (!s) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter = (r: PinDialogRequest | null) => { gone.removeEventListener('abort', drop); resolve(r); };
      const drop = () => { s.waiters.delete(waiter); };
      gone.addEventListener('abort', drop, { once: true });
      s.waiters.add(waiter);
      s.deliver();
    });
  }

  /** Resolves when the window should close (at once for an unknown or closed session). */
  whenClosed(sessionId: string, gone: AbortSignal): Promise<void> {
    const s = this.#sessions.get(sessionId);
    if (!s || s.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const watcher = () => { gone.removeEventListener('abort', drop); resolve(); };
      const drop = () => { s.closeWatchers.delete(watcher); };
      gone.addEventListener('abort', drop, { once: true });
      s.closeWatchers.add(watcher);
    });
  }

  /** The PIN as the page sent it: checked, turned into bytes for the controller (which zeroes them). */
  submit(sessionId: string, pin: unknown, confirmFinalTry: unknown): SubmitOutcome {
    const s = this.#sessions.get(sessionId);
    if (!s || s.closed) return 'unknown-session';
    const req = s.pending?.delivered ? s.pending.request : null;
    if (!req) return 'no-request';
    if (typeof pin !== 'string' || typeof confirmFinalTry !== 'boolean') return 'malformed';
    if (req.pinpad ? pin !== '' : !isPinWellFormed(pin)) return 'malformed';
    // As in the Electron dialog: the final try goes to the card only with the user's explicit confirmation.
    if (req.finalTry && confirmFinalTry !== true) return 'malformed';
    const bytes = new Uint8Array(pin.length);
    for (let i = 0; i < pin.length; i++) bytes[i] = pin.charCodeAt(i);
    s.answered = new AbortController();
    s.answer({ pin: bytes, confirmFinalTry, withdrawn: s.answered.signal });
    return 'ok';
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
      else if (this.#session === s) this.#dismissedBeforeAsk = true; // a prepared window dismissed before its question
    }
    if (windowGone) {
      s.closed = true;
      if (this.#session === s) this.#session = null;
      this.#sessions.delete(sessionId);
    }
    return true;
  }
}
