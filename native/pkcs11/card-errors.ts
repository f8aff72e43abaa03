// PKCS#11 failures → the closed list of CPx Link error codes. The card's own state is re-read where the return
// value alone is ambiguous: tries left after a wrong PIN, and "device error" that is really a card pulled out.

import { CpxError } from '../../protocol/errors.ts';
import { pinFormatError } from '../../protocol/pin.ts';
import { CKR, ckrName, ckrOf, isRemovalCode } from './ckr.ts';
import { pinStateFromFlags } from './token-facts.ts';

export interface CardErrorContext {
  phase: 'read' | 'login' | 'sign';
  pinpad?: boolean;
  /** Tries left before this operation (fallback when the flags cannot be re-read). */
  triesBefore?: number;
  /** Still a token in the slot? (C_GetSlotInfo) */
  tokenPresent(): boolean;
  /** Fresh token flags (C_GetTokenInfo); throws when the card is gone. */
  tokenFlags(): number;
}

export function cardError(err: unknown, ctx: CardErrorContext): CpxError {
  if (err instanceof CpxError) return err;
  const code = ckrOf(err);
  if (code === CKR.PIN_INCORRECT && ctx.phase === 'login') return wrongPin(ctx);
  if (code === CKR.PIN_LOCKED) return new CpxError('PIN_LOCKED');
  if (code === CKR.PIN_LEN_RANGE || code === CKR.PIN_INVALID) return pinFormatError();
  if (code === CKR.FUNCTION_CANCELED) return new CpxError(ctx.pinpad ? 'PINPAD_TIMEOUT' : 'CANCELLED');
  if (code === CKR.CANCEL) return new CpxError('CANCELLED');
  if (isRemovalCode(code)) return new CpxError('CARD_REMOVED', {}, { cause: err });
  if (code === CKR.TOKEN_NOT_RECOGNIZED) return new CpxError('CARD_NOT_RECOGNISED', {}, { cause: err });
  // Anything else may be the visible half of a removal (Cryptolib reports CKR_DEVICE_ERROR when the card
  // leaves mid-APDU): ask the slot before blaming the device.
  if (!ctx.tokenPresent()) return new CpxError('CARD_REMOVED', {}, { cause: err });
  if (code !== null) return new CpxError('DEVICE_ERROR', { detail: ckrName(code) }, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new CpxError('INTERNAL_ERROR', { detail: detail.slice(0, 200) }, { cause: err });
}

function wrongPin(ctx: CardErrorContext): CpxError {
  let triesLeft: number;
  try {
    const pin = pinStateFromFlags(ctx.tokenFlags());
    if (pin.locked) return new CpxError('PIN_LOCKED');
    triesLeft = pin.triesLeft;
  } catch {
    triesLeft = Math.max(0, (ctx.triesBefore ?? 3) - 1);
    if (triesLeft === 0) return new CpxError('PIN_LOCKED');
  }
  return new CpxError('PIN_INCORRECT', { triesLeft });
}
