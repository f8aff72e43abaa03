// The watcher's view of the readers as one WatchState, and when it counts as a change worth pushing.

import type { WatchState, WatchStateKind } from '../../protocol/card.ts';
import { errorMessage, type CpxError, type Lang } from '../../protocol/errors.ts';
import type { Snapshot } from './card-store.ts';

export function noModuleState(err: CpxError, path: string | null, lang: Lang): WatchState {
  return {
    kind: 'NO_MODULE', readers: [], cards: [], unrecognised: [],
    module: { path, code: err.code, message: errorMessage(err.code, lang, err.params) },
  };
}

/** CARD_REMOVED is kept (rather than NO_CARD) until a card or a reader change says otherwise. */
export function stateFromSnapshot(snap: Snapshot, previous: WatchState | null): WatchState {
  let kind: WatchStateKind;
  if (snap.readers.length === 0) kind = 'NO_READER';
  else if (snap.cards.length > 0 || snap.unrecognised.length > 0) kind = 'CARD_PRESENT';
  else if (previous && (previous.kind === 'CARD_PRESENT' || previous.kind === 'CARD_REMOVED')) kind = 'CARD_REMOVED';
  else kind = 'NO_CARD';
  return { kind, readers: snap.readers, cards: snap.cards, unrecognised: snap.unrecognised };
}

export function sameState(a: WatchState | null, b: WatchState): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}
