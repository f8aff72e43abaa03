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

/** One secret held until it expires or is dropped, masked in the log meanwhile. */
class Held<T extends { cardNumber: string; expiresAt: number }> {
  #value: { held: T; release: () => void } | null = null;
  constructor(private readonly log: LogPort, private readonly now: () => number, private readonly secretOf: (v: T) => string) {}

  hold(v: T): void {
    this.drop();
    this.#value = { held: v, release: this.log.hold(this.secretOf(v)) };
  }

  /** The value while it is valid; null once expired (and then forgotten). */
  get(): T | null {
    if (this.#value && this.#value.held.expiresAt <= this.now()) this.drop();
    return this.#value?.held ?? null;
  }

  drop(): T | null {
    const v = this.#value;
    this.#value = null;
    v?.release();
    return v?.held ?? null;
  }

  /** Drops the value when its card is no longer in a reader; returns it then. */
  dropUnless(presentCards: ReadonlySet<string>): T | null {
    return this.#value && !presentCards.has(this.#value.held.cardNumber) ? this.drop() : null;
  }
}

export class LoginState {
  readonly #ticket: Held<HeldTicket>;
  readonly #session: Held<HeldSession>;

  constructor(log: LogPort, now: () => number) {
    this.#ticket = new Held(log, now, (t) => t.ticket);
    this.#session = new Held(log, now, (s) => s.session);
  }

  holdTicket(t: HeldTicket): void { this.#ticket.hold(t); }
  /** The ticket while it is valid; null once expired (and then forgotten). */
  ticket(): HeldTicket | null { return this.#ticket.get(); }
  /** Forgets the ticket; returns what it was (for a browser login it belonged to). */
  dropTicket(): HeldTicket | null { return this.#ticket.drop(); }

  holdSession(s: HeldSession): void { this.#session.hold(s); }
  session(): HeldSession | null { return this.#session.get(); }
  dropSession(): void { this.#session.drop(); }

  /** Forgets what belongs to a card no longer in a reader; returns the ticket dropped, if any. */
  keepOnly(presentCards: ReadonlySet<string>): HeldTicket | null {
    this.#session.dropUnless(presentCards);
    return this.#ticket.dropUnless(presentCards);
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
