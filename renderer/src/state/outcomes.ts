// What the main window does with what the host answered: which screen an outcome leads to, whether "Réessayer" is
// offered, whether a browser login's report is news to the user. Pure decisions, kept out of the reactive state
// (app.svelte.ts) so that they are tested as they are.
import { isRetriable, type ErrorBody } from '../../../protocol/errors.ts';
import type { BrowserLoginState } from '../../../protocol/ipc.ts';

/** A card operation that failed: a cancel is a quiet note at home; anything else the error screen, retry or not. */
export type CardFailure = { show: 'home-notice' } | { show: 'error'; retry: boolean };

export function cardFailure(error: ErrorBody): CardFailure {
  return error.code === 'CANCELLED' ? { show: 'home-notice' } : { show: 'error', retry: isRetriable(error) };
}

/**
 * Première connexion refused: a ticket no longer valid ends it (the error screen, no retry); anything else is said
 * on the form to fix and send again, the password emptied when it was the wrong one.
 */
export type FirstLoginFailure = { show: 'error' } | { show: 'form'; clearPassword: boolean };

export function firstLoginFailure(error: ErrorBody): FirstLoginFailure {
  if (error.code === 'TICKET_INVALID') return { show: 'error' };
  return { show: 'form', clearPassword: error.code === 'CREDENTIALS_INVALID' };
}

/** Where the window stands when a browser login reports. */
export interface BrowserLoginContext {
  /** Reports up to this id are of logins the user already left here ("Retour"). */
  quietUpTo: number;
  /** A first login is being sent: its own answer says how it ended. */
  sending: boolean;
  /** The window already shows this browser login as done. */
  showingBrowserDone: boolean;
  /** A card operation of this window is under way (its screen stays). */
  working: boolean;
}

/** 'busy-notice': refused because this window's own card operation is under way, said aside. */
export type BrowserLoginRoute = 'ignore' | 'busy-notice' | 'first-login' | 'browser-screen';

export function browserLoginRoute(s: BrowserLoginState, ctx: BrowserLoginContext): BrowserLoginRoute {
  if (s.id <= ctx.quietUpTo || ctx.sending) return 'ignore';
  if (s.status === 'done' && ctx.showingBrowserDone) return 'ignore';
  if (s.status === 'failed' && ctx.working) return 'busy-notice';
  return s.status === 'first-login' && s.firstLogin ? 'first-login' : 'browser-screen';
}
