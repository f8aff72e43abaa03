// PKCS#11 failures → the closed list of CPx Link error codes. The card's own state is re-read where the return
// value alone is ambiguous: tries left after a wrong PIN or PUK, "device error" that is really a card pulled out, and
// a removal that is really the reader unplugged.

import { CpxError } from '../../protocol/errors.ts';
import { pinFormatError } from '../../protocol/pin.ts';
import { PUK_LENGTH } from '../../protocol/pin.ts';
import { CKR, ckrName, ckrOf, isRemovalCode } from './ckr.ts';
import { pinStateFromFlags, pukStateFromFlags } from './token-facts.ts';

/**
 * Where the operation was: reading the card, presenting the PIN (`login`, or `set-pin` for a change: the current PIN
 * is checked), the PUK (`puk`), setting the new PIN after the PUK (`init-pin`), or signing.
 */
export type CardPhase = 'read' | 'login' | 'set-pin' | 'puk' | 'init-pin' | 'sign';

export interface CardErrorContext {
  phase: CardPhase;
  pinpad?: boolean;
  /** Tries left before this operation (fallback when the flags cannot be re-read): the PIN's, or the PUK's in `puk`. */
  triesBefore?: number;
  /** Still a token in the slot? (C_GetSlotInfo) */
  tokenPresent(): boolean;
  /** Still the reader in the slot list? (absent: every removal is the card's) */
  readerPresent?(): boolean;
  /** Fresh token flags (C_GetTokenInfo); throws when the card is gone. */
  tokenFlags(): number;
}

const PIN_MANAGEMENT_CALL: Partial<Record<CardPhase, string>> = { 'set-pin': 'C_SetPIN', puk: 'C_Login (PUK)', 'init-pin': 'C_InitPIN' };

export function cardError(err: unknown, ctx: CardErrorContext): CpxError {
  if (err instanceof CpxError) return err;
  const code = ckrOf(err);
  const managing = PIN_MANAGEMENT_CALL[ctx.phase];
  // The middleware (or the card) has no such function: Cryptolib builds without PIN management, or no SO login.
  if (managing && (code === CKR.FUNCTION_NOT_SUPPORTED || code === CKR.USER_TYPE_INVALID)) {
    return new CpxError('PIN_MANAGEMENT_UNSUPPORTED', { detail: `${managing}: ${ckrName(code)}` }, { cause: err });
  }
  if (ctx.phase === 'puk') {
    if (code === CKR.PIN_INCORRECT) return wrongPuk(ctx);
    if (code === CKR.PIN_LOCKED) return new CpxError('PUK_BLOCKED');
    if (code === CKR.PIN_LEN_RANGE || code === CKR.PIN_INVALID) return new CpxError('PUK_FORMAT', { length: PUK_LENGTH });
  }
  if (code === CKR.PIN_INCORRECT && (ctx.phase === 'login' || ctx.phase === 'set-pin')) return wrongPin(ctx);
  if (code === CKR.PIN_LOCKED) return new CpxError('PIN_LOCKED');
  if (code === CKR.PIN_LEN_RANGE || code === CKR.PIN_INVALID) return pinFormatError();
  if (code === CKR.FUNCTION_CANCELED) return new CpxError(ctx.pinpad ? 'PINPAD_TIMEOUT' : 'CANCELLED');
  if (code === CKR.CANCEL) return new CpxError('CANCELLED');
  // Logged in by someone else in this process meanwhile: nothing was checked, try again in a moment.
  if (code === CKR.USER_ALREADY_LOGGED_IN || code === CKR.USER_ANOTHER_ALREADY_LOGGED_IN) return new CpxError('SERVICE_BUSY', {}, { cause: err });
  if (isRemovalCode(code)) return removed(err, ctx);
  if (code === CKR.TOKEN_NOT_RECOGNIZED) return new CpxError('CARD_NOT_RECOGNISED', {}, { cause: err });
  // Anything else may be the visible half of a removal (Cryptolib reports CKR_DEVICE_ERROR when the card
  // leaves mid-APDU): ask the slot before blaming the device.
  if (!ctx.tokenPresent()) return removed(err, ctx);
  if (code !== null) return new CpxError('DEVICE_ERROR', { detail: ckrName(code) }, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new CpxError('INTERNAL_ERROR', { detail: detail.slice(0, 200) }, { cause: err });
}

/** The card left, or its whole reader did. */
function removed(err: unknown, ctx: CardErrorContext): CpxError {
  const readerGone = ctx.readerPresent !== undefined && !ctx.readerPresent();
  return new CpxError(readerGone ? 'READER_REMOVED' : 'CARD_REMOVED', {}, { cause: err });
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

function wrongPuk(ctx: CardErrorContext): CpxError {
  let triesLeft: number;
  try {
    triesLeft = pukStateFromFlags(ctx.tokenFlags()).triesLeft;
  } catch {
    triesLeft = Math.max(0, (ctx.triesBefore ?? 3) - 1);
  }
  return triesLeft === 0 ? new CpxError('PUK_BLOCKED') : new CpxError('PUK_INCORRECT', { triesLeft });
}
