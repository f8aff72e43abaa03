// The card's own PIN management in the app, as the issuer's card tool does it: "Changer le code PIN" (current PIN, new
// PIN twice: one C_SetPIN) and "Débloquer avec le code PUK" (PUK, new PIN twice: one C_Login as SO, one C_InitPIN).
//
// The codes are asked in the app's own PIN window, one field after the other in the same window, each with its
// purpose. The two typings of the new PIN are compared here, before anything reaches the card. Every attempt is the
// user's: a wrong current PIN or a wrong PUK brings the window back with the error and the tries left read again from
// the card, nothing is ever sent again on their behalf, a blocked card is never sent a PIN, a blocked PUK never a PUK.
// On a PIN-pad reader the window says "type on the reader" for each step the card service announces.

import type { PinManagementResult, PinpadStep } from '../../protocol/card-service.ts';
import type { CardInfo } from '../../protocol/card.ts';
import { CpxError, reasksPin, toCpxError, type ErrorCode } from '../../protocol/errors.ts';
import type { FlowStep, PinDialogRequest } from '../../protocol/ipc.ts';
import { checkNewPin } from '../../protocol/pin-management.ts';
import { PIN_PROMPT_FIELDS, type PinFieldPurpose } from '../../protocol/pin.ts';
import type { PinpadWaiting } from './ports.ts';
import { askWithin, cardIn, cardQuestion, raceAbort, throwIfAborted, type SigningContext } from './sign-with-card.ts';

export type ManagementPurpose = 'change' | 'unblock';

export interface PinManagementStep {
  card: CardInfo;
  readerIndex: number;
  /** Aborted when the card leaves the reader, the user cancels from the main window, or the app closes. */
  signal: AbortSignal;
  progress: (step: FlowStep) => void;
}

/**
 * After these refusals the window asks again, the user typing every code anew: the card refused a code without
 * blocking anything (the PIN's or the PUK's tries left are shown), or nothing reached it at all.
 */
function asksAgain(code: ErrorCode): boolean {
  return reasksPin(code) || code === 'PUK_INCORRECT';
}

/** What the PIN-pad reader asks for first, per purpose (the card service's steps: native/pkcs11/pin-management.ts). */
const FIRST_PINPAD_STEP: Record<ManagementPurpose, PinpadStep> = { change: 'change', unblock: 'puk' };

type Codes = Partial<Record<PinFieldPurpose, Uint8Array>>;
interface Typed { codes: Codes; confirmFinalTry: boolean; withdrawn: AbortSignal[] }

export async function managePinWithCard(ctx: SigningContext, purpose: ManagementPurpose, step: PinManagementStep): Promise<PinManagementResult> {
  const { cards, log } = ctx;
  const { readerIndex, signal } = step;
  let card = step.card;
  const cardNumber = card.cardNumber;
  let previousError: CpxError | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      refuseBeforeAsking(card, purpose);
      step.progress('pin');
      const typed = await askCodes(ctx, card, purpose, previousError, signal);
      throwIfAborted(signal);
      if (!typed) throw new CpxError('CANCELLED');
      const { codes } = typed;
      // Withdrawn answers (PIN pad: the user cancels while the reader waits) and the flow's own signal stop the wait.
      const stop = new AbortController();
      const stopWith = (s: AbortSignal) => { if (s.aborted) stop.abort(s.reason); else s.addEventListener('abort', () => stop.abort(s.reason), { once: true }); };
      for (const s of [signal, ...typed.withdrawn]) stopWith(s);
      const stopPad = card.pin.pinpad ? followPinpad(ctx, card, purpose, readerIndex, stop.signal, stopWith) : () => {};
      let pending: Promise<PinManagementResult> | undefined;
      try {
        log.info('card.pin-management', { purpose, readerIndex, attempt, pinpad: card.pin.pinpad,
          triesLeft: purpose === 'change' ? card.pin.triesLeft : card.puk?.triesLeft ?? null });
        pending = purpose === 'change'
          ? cards.request('changePin', { readerIndex, cardNumber, currentPin: codeOf(codes, 'current-pin'), newPin: codeOf(codes, 'new-pin'),
            ...(codes['new-pin-again'] ? { newPinConfirmation: codes['new-pin-again'] } : {}), confirmFinalTry: typed.confirmFinalTry })
          : cards.request('unblockPin', { readerIndex, cardNumber, puk: codeOf(codes, 'puk'), newPin: codeOf(codes, 'new-pin'),
            ...(codes['new-pin-again'] ? { newPinConfirmation: codes['new-pin-again'] } : {}) });
        const result = await raceAbort(pending, stop.signal, () => { void cards.request('cancel', {}).catch(() => {}); });
        log.info('card.pin-management-done', { purpose, readerIndex });
        step.progress('done');
        return result;
      } catch (err) {
        const e = toCpxError(err);
        if (!asksAgain(e.code)) throw e;
        log.warn('card.pin-management-refused', { purpose, readerIndex, attempt, code: e.code });
        previousError = e;
        // Tries left come from the card itself, read again now: the next question shows exactly where the user stands.
        card = await cardIn(cards, readerIndex);
        if (card.cardNumber !== cardNumber) throw new CpxError('CARD_REMOVED');
      } finally {
        stopPad();
        // The client zeroed these bytes once its transport serialised them (native/service/client.ts); this second
        // wipe covers a request that never went out. Who zeroes the PIN in each process: protocol/pin.ts.
        const zero = () => { wipe(codes); };
        if (pending) pending.then(zero, zero); else zero();
      }
    }
  } finally {
    ctx.pin.close?.();
  }
}

/** Refused without asking anything: a blocked card cannot change its PIN, a blocked PUK can unblock nothing. */
function refuseBeforeAsking(card: CardInfo, purpose: ManagementPurpose): void {
  if (purpose === 'change' && (card.pin.locked || card.pin.triesLeft <= 0)) throw new CpxError('PIN_LOCKED');
  if (purpose === 'unblock' && card.puk && (card.puk.locked || card.puk.triesLeft <= 0)) throw new CpxError('PUK_BLOCKED');
}

export function managementRequest(ctx: Pick<SigningContext, 'lang' | 'pinpadTimeoutMs'>, card: CardInfo, purpose: ManagementPurpose,
  field: PinFieldPurpose, previousError?: CpxError, pinpadStep?: PinpadStep): PinDialogRequest {
  return {
    ...cardQuestion(card, ctx.lang(), ctx.pinpadTimeoutMs, previousError),
    purpose, field,
    // The last try of the current PIN needs the user's explicit confirmation, as when logging in.
    finalTry: field === 'current-pin' && card.pin.triesLeft === 1,
    ...(card.puk ? { puk: { ...card.puk } } : {}),
    ...(pinpadStep ? { pinpadStep } : {}),
  };
}

/**
 * The codes, field after field in the same window (null: the user cancelled). On a PIN-pad reader one question only:
 * the reader asks for every code itself (and compares the new PIN's two typings). Here, the new PIN typed a second time
 * differently sends the user back to the new PIN, saying so: nothing has reached the card.
 */
async function askCodes(ctx: SigningContext, card: CardInfo, purpose: ManagementPurpose, previousError: CpxError | undefined,
  signal: AbortSignal): Promise<Typed | null> {
  const fields = PIN_PROMPT_FIELDS[purpose];
  const typed: Typed = { codes: {}, confirmFinalTry: false, withdrawn: [] };
  let error = previousError;
  try {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const pinpadStep = card.pin.pinpad ? FIRST_PINPAD_STEP[purpose] : undefined;
      const answer = await askWithin(ctx, managementRequest(ctx, card, purpose, field, error, pinpadStep), signal);
      throwIfAborted(signal);
      if (!answer) { wipe(typed.codes); return null; }
      typed.codes[field]?.fill(0);
      typed.codes[field] = answer.pin;
      if (answer.withdrawn) typed.withdrawn.push(answer.withdrawn);
      if (field === fields[0]) typed.confirmFinalTry = answer.confirmFinalTry;
      error = undefined;
      if (card.pin.pinpad) return typed;
      if (field === 'new-pin-again') {
        try {
          checkNewPin(codeOf(typed.codes, 'new-pin'), answer.pin);
        } catch (err) {
          error = toCpxError(err);
          i = fields.indexOf('new-pin') - 1;
        }
      }
    }
    return typed;
  } catch (err) {
    wipe(typed.codes);
    throw err;
  }
}

/**
 * PIN pad: each further wait of the reader (unblocking: the new PIN after the PUK) is shown in the window as its own
 * step ("saisissez le nouveau code sur le lecteur"), its countdown restarted. Returns how to stop following.
 */
function followPinpad(ctx: SigningContext, card: CardInfo, purpose: ManagementPurpose, readerIndex: number, stop: AbortSignal,
  stopWith: (s: AbortSignal) => void): () => void {
  const onWaiting = (w: PinpadWaiting) => {
    if (w.readerIndex !== readerIndex || !w.step || w.step === FIRST_PINPAD_STEP[purpose] || stop.aborted) return;
    void ctx.pin.ask(managementRequest(ctx, card, purpose, 'new-pin', undefined, w.step), stop).then((answer) => {
      answer?.pin.fill(0);
      if (answer?.withdrawn) stopWith(answer.withdrawn);
    }, () => {});
  };
  ctx.cards.on('pinpad-waiting', onWaiting);
  return () => { ctx.cards.off?.('pinpad-waiting', onWaiting as never); };
}

function codeOf(codes: Codes, field: PinFieldPurpose): Uint8Array {
  return codes[field] ?? new Uint8Array(0);
}

function wipe(codes: Codes): void {
  for (const code of Object.values(codes)) code?.fill(0);
}
