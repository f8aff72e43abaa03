// The watcher's view of the readers as one WatchState, and when it counts as a change worth pushing.

import type { ModuleDiagnosis } from '../../protocol/card-service.ts';
import type { WatchState, WatchStateKind } from '../../protocol/card.ts';
import { errorMessage, type Lang } from '../../protocol/errors.ts';
import { failingModule, noModuleError } from '../pkcs11/probe.ts';
import type { Snapshot } from './card-store.ts';

/** No usable module: the error the card requests answer, with the module it is about (when there is one). */
export function noModuleState(diagnoses: readonly ModuleDiagnosis[], lang: Lang): WatchState {
  const err = noModuleError(diagnoses);
  const failing = failingModule(diagnoses);
  return {
    kind: 'NO_MODULE', readers: [], cards: [], unrecognised: [],
    module: {
      path: failing?.path ?? null, code: err.code, message: errorMessage(err.code, lang, err.params),
      ...(failing?.source ? { source: failing.source } : {}),
    },
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
