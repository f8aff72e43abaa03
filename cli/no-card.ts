// Why there is no card to work with, as the error scripts and users expect (exit class reader or card).

import type { WatchState } from '../protocol/card.ts';
import { CpxError } from '../protocol/errors.ts';

export function noCardError(state: WatchState, readerIndex?: number): CpxError {
  if (state.kind === 'NO_MODULE' && state.module) return new CpxError(state.module.code as never);
  if (state.kind === 'NO_READER') return new CpxError('NO_READER');
  if (readerIndex !== undefined && readerIndex >= state.readers.length) return new CpxError('READER_NOT_FOUND', { reader: readerIndex });
  if (state.unrecognised.some((u) => readerIndex === undefined || u.readerIndex === readerIndex)) return new CpxError('CARD_NOT_RECOGNISED');
  return new CpxError('NO_CARD');
}
