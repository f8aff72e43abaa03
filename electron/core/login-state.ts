// What a card login leaves behind in the main process, and only there: the service's session (so "Ouvrir le service"
// can open the browser already logged in) and, for a card not linked yet, the first-login ticket (so "Première
// connexion" can be fixed and sent again without another PIN). The renderer sees neither: it gets the verified holder
// and the expiry (FirstLoginView). Both are masked in the log while held, forgotten when they expire, when they are
// used up, and when their card leaves the reader.

import type { FirstLoginView, Requester } from '../../protocol/ipc.ts';
import type { LogPort } from './log.ts';

export interface HeldTicket {
  ticket: string;
  /** Base URL of the service that issued it: "Première connexion" goes back there. */
  base: string;
  cardNumber: string;
  expiresAt: number;
  view: FirstLoginView;
  /** The browser login this ticket will finish (its id and who asked), null for the app's own login. */
  browser: { id: number; requester: Requester } | null;
}

export interface HeldSession {
  session: string;
  base: string;
  cardNumber: string;
  expiresAt: number;
}

export class LoginState {
  readonly #log: LogPort;
  readonly #now: () => number;
  #ticket: (HeldTicket & { release: () => void }) | null = null;
  #session: (HeldSession & { release: () => void }) | null = null;

  constructor(log: LogPort, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  holdTicket(t: HeldTicket): void {
    this.dropTicket();
    this.#ticket = { ...t, release: this.#log.hold(t.ticket) };
  }

  /** The ticket while it is valid; null once expired (and then forgotten). */
  ticket(): HeldTicket | null {
    if (this.#ticket && this.#ticket.expiresAt <= this.#now()) this.dropTicket();
    return this.#ticket;
  }

  /** Forgets the ticket; returns what it was (for a browser login it belonged to). */
  dropTicket(): HeldTicket | null {
    const t = this.#ticket;
    this.#ticket = null;
    t?.release();
    return t;
  }

  holdSession(s: HeldSession): void {
    this.dropSession();
    this.#session = { ...s, release: this.#log.hold(s.session) };
  }

  session(): HeldSession | null {
    if (this.#session && this.#session.expiresAt <= this.#now()) this.dropSession();
    return this.#session;
  }

  dropSession(): void {
    const s = this.#session;
    this.#session = null;
    s?.release();
  }

  /** Forgets what belongs to a card no longer in a reader; returns the ticket dropped, if any. */
  keepOnly(presentCards: ReadonlySet<string>): HeldTicket | null {
    if (this.#session && !presentCards.has(this.#session.cardNumber)) this.dropSession();
    return this.#ticket && !presentCards.has(this.#ticket.cardNumber) ? this.dropTicket() : null;
  }

  clear(): void {
    this.dropTicket();
    this.dropSession();
  }
}

/** An ISO date from the service as a timestamp; an unreadable one counts as already expired. */
export function expiryOf(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}
