// What the card panel shows for a watcher state: one status per situation the user can be in, each with its own
// next step. Pure functions, so the mapping is the same for every screen and easy to reason about.
import type { CardCertificate, CardInfo, WatchState } from '../../../protocol/card.ts';
import { isExplicitModuleSource } from '../../../protocol/card-service.ts';

export const EXPIRY_WARNING_DAYS = 30;

export type CardStatusKind =
  | 'loading' | 'service-down' | 'no-module' | 'no-reader' | 'no-card' | 'removed' | 'unrecognised'
  | 'blocked' | 'expired' | 'no-auth' | 'expiring' | 'ready';

export interface CardStatus {
  kind: CardStatusKind;
  card: CardInfo | null;
  /** Authentication certificate of `card`, when it has one. */
  auth: CardCertificate | null;
  /** NO_MODULE: the host's explanation. */
  detail?: string;
  /** NO_MODULE of a module configured on purpose (`detail` is then its own message: setting, path, why). */
  configured?: boolean;
}

/** The card a flow will use: the one in the chosen reader, else the first one read. */
export function selectCard(state: WatchState | null, readerIndex: number | null): CardInfo | null {
  if (!state) return null;
  const cards = state.cards ?? [];
  return cards.find((c) => readerIndexOf(c, state) === readerIndex) ?? cards[0] ?? null;
}

export function readerIndexOf(card: CardInfo, state: WatchState | null): number {
  if (typeof card.readerIndex === 'number') return card.readerIndex;
  const byName = state?.readers.find((r) => r.name === card.reader);
  return byName ? byName.index : 0;
}

export function authCertificate(card: CardInfo | null): CardCertificate | null {
  return card?.certificates.find((c) => c.role === 'authentication') ?? null;
}

/** Only these statuses let the user start a card operation. */
export function isUsable(kind: CardStatusKind): boolean {
  return kind === 'ready' || kind === 'expiring';
}

/**
 * The card's own PIN management offered in the card panel: changing the PIN of a card that is not blocked, and
 * unblocking with the PUK — first thing offered on a blocked card, in a secondary place otherwise — unless the PUK
 * itself is blocked (then only a new card helps).
 */
export function pinActions(status: CardStatus): { change: boolean; unblock: boolean; pukBlocked: boolean } {
  const card = status.card;
  if (!card) return { change: false, unblock: false, pukBlocked: false };
  const pukBlocked = card.puk?.locked === true;
  return { change: !card.pin.locked, unblock: !pukBlocked, pukBlocked };
}

export function cardStatus(state: WatchState | null, serviceUp: boolean, readerIndex: number | null): CardStatus {
  const none = { card: null, auth: null };
  if (!serviceUp) return { kind: 'service-down', ...none };
  if (!state) return { kind: 'loading', ...none };
  switch (state.kind) {
    case 'NO_MODULE': {
      const m = state.module;
      // A module someone chose (policy, setting, environment): its own message says which setting, which path and
      // why — installing Cryptolib CPS would not help, as nothing else is tried in its place.
      if (m && isExplicitModuleSource(m.source)) return { kind: 'no-module', ...none, configured: true, detail: m.message };
      // An absent default middleware: "not found" is what the panel already says; one that failed to load, why.
      return { kind: 'no-module', ...none, detail: m?.code === 'MODULE_NOT_FOUND' ? undefined : m?.message };
    }
    case 'NO_READER': return { kind: 'no-reader', ...none };
    case 'NO_CARD': return { kind: 'no-card', ...none };
    case 'CARD_REMOVED': return { kind: 'removed', ...none };
    case 'CARD_PRESENT': break;
  }
  const card = selectCard(state, readerIndex);
  if (!card) return state.unrecognised?.length ? { kind: 'unrecognised', ...none, detail: state.unrecognised[0]!.reason } : { kind: 'no-card', ...none };
  const auth = authCertificate(card);
  if (card.pin.locked) return { kind: 'blocked', card, auth };
  if (!card.holder || !auth) return { kind: 'no-auth', card, auth };
  if (auth.daysLeft < 0) return { kind: 'expired', card, auth };
  if (auth.daysLeft <= EXPIRY_WARNING_DAYS) return { kind: 'expiring', card, auth };
  return { kind: 'ready', card, auth };
}

export function holderName(card: CardInfo | null): string {
  const h = card?.holder;
  return h ? `${h.givenName} ${h.surname}`.trim() : '';
}

/** The national identifier as the account page ("Id nationaux") writes it: idNat with its prefix digit, then its kind. */
export function nationalIdText(card: CardInfo | null): string {
  const n = card?.holder?.nationalId;
  return n ? `${n.raw} (${n.type})` : '';
}
