// The card's own PIN management, as the issuer's card tool does it: changing the PIN (one C_SetPIN), and unblocking
// a card with its PUK (one C_Login as the SO with the PUK, then one C_InitPIN with the new PIN). Every refusal that can
// be decided without the card comes first; no code is ever presented twice on our own.

import type { PinpadStep, PinManagementResult } from '../../protocol/card-service.ts';
import { CpxError } from '../../protocol/errors.ts';
import { checkNewPin, checkPuk } from '../../protocol/pin-management.ts';
import { isPinWellFormed, pinFormatError } from '../../protocol/pin.ts';
import { cardError, type CardErrorContext } from './card-errors.ts';
import { CKU, initPinOnce, loginOnce, setPinOnce, startLoggedOut } from './login.ts';
import type { LoadedModule, SlotView } from './module-host.ts';
import { parseCardLabel, pinStateFromFlags, pukStateFromFlags } from './token-facts.ts';

interface Common {
  newPin: Uint8Array;
  /** The new PIN typed a second time, when the user was asked twice. */
  newPinConfirmation?: Uint8Array;
  /** Called just before each call that waits for the user to type on a PIN-pad reader. */
  beforePinpad?(step: PinpadStep): Promise<void>;
}

export interface ChangePinInput extends Common {
  currentPin: Uint8Array;
  confirmFinalTry: boolean;
}

export interface UnblockPinInput extends Common {
  puk: Uint8Array;
}

const EMPTY = () => new Uint8Array(0);

function context(m: LoadedModule, slot: SlotView): CardErrorContext {
  return {
    phase: 'read',
    tokenPresent: () => m.tokenPresent(slot.handle),
    readerPresent: () => m.readerPresent(slot.name),
    tokenFlags: () => m.token(slot.handle).flags,
  };
}

/**
 * The card's counters read again after the operation. The operation is done once the card answered: a card pulled
 * out just after does not undo it, so its counters are then the ones a right code leaves (all tries back).
 */
function result(m: LoadedModule, slot: SlotView, pinpad: boolean): PinManagementResult {
  let flags = 0;
  try { flags = m.token(slot.handle).flags; } catch { /* gone already */ }
  const label = slot.token?.label ?? '';
  return {
    readerIndex: slot.index,
    cardNumber: parseCardLabel(label)?.cardNumber ?? '',
    pin: { ...pinStateFromFlags(flags), pinpad },
    puk: pukStateFromFlags(flags),
  };
}

export async function changePinOnCard(m: LoadedModule, slot: SlotView, input: ChangePinInput): Promise<PinManagementResult> {
  const ctx = context(m, slot);
  try {
    // The slot was just listed under the same lock: its token info is current.
    const pin = pinStateFromFlags((slot.token ?? m.token(slot.handle)).flags);
    ctx.pinpad = pin.pinpad;
    ctx.triesBefore = pin.triesLeft;
    if (pin.locked) throw new CpxError('PIN_LOCKED');
    // On a PIN pad the reader asks for both codes (and checks the new one twice itself).
    if (!pin.pinpad) {
      if (!isPinWellFormed(input.currentPin)) throw pinFormatError();
      checkNewPin(input.newPin, input.newPinConfirmation);
    }
    // A wrong current PIN on the last try would block the card.
    if (pin.triesLeft === 1 && !input.confirmFinalTry) throw new CpxError('PIN_FINAL_TRY');
    await m.withSession(slot.handle, async (session) => {
      startLoggedOut(m, session.handle);
      if (pin.pinpad) await input.beforePinpad?.('change');
      ctx.phase = 'set-pin';
      setPinOnce(m, session.handle, pin.pinpad ? EMPTY() : input.currentPin, pin.pinpad ? EMPTY() : input.newPin);
    }, { rw: true });
    return result(m, slot, pin.pinpad);
  } catch (err) {
    throw cardError(err, ctx);
  } finally {
    for (const code of [input.currentPin, input.newPin, input.newPinConfirmation]) code?.fill(0);
  }
}

export async function unblockPinOnCard(m: LoadedModule, slot: SlotView, input: UnblockPinInput): Promise<PinManagementResult> {
  const ctx = context(m, slot);
  try {
    const flags = (slot.token ?? m.token(slot.handle)).flags;
    const pinpad = pinStateFromFlags(flags).pinpad;
    const puk = pukStateFromFlags(flags);
    ctx.pinpad = pinpad;
    ctx.triesBefore = puk.triesLeft;
    // Refused without presenting it: the card would answer CKR_PIN_LOCKED at best.
    if (puk.locked) throw new CpxError('PUK_BLOCKED');
    if (!pinpad) {
      checkPuk(input.puk);
      checkNewPin(input.newPin, input.newPinConfirmation);
    }
    await m.withSession(slot.handle, async (session) => {
      startLoggedOut(m, session.handle);
      if (pinpad) await input.beforePinpad?.('puk');
      ctx.phase = 'puk';
      loginOnce(m, session.handle, CKU.SO, pinpad ? EMPTY() : input.puk);
      try {
        if (pinpad) await input.beforePinpad?.('new-pin');
        ctx.phase = 'init-pin';
        initPinOnce(m, session.handle, pinpad ? EMPTY() : input.newPin);
      } finally {
        // Once C_InitPIN has answered, the PIN is what it says, whatever the logout does (a card pulled out now).
        try { m.lib.C_Logout(session.handle); } catch { /* card gone: nothing left logged in */ }
      }
    }, { rw: true });
    return result(m, slot, pinpad);
  } catch (err) {
    throw cardError(err, ctx);
  } finally {
    for (const code of [input.puk, input.newPin, input.newPinConfirmation]) code?.fill(0);
  }
}
