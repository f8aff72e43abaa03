// The card's own PIN management (what the issuer's card tool does): changing the PIN, and unblocking a card with its
// PUK. The checks made before anything reaches the card live here, once, for the card service, the CLI and the app.
// Codes travel as bytes (ASCII digits), never as strings the host cannot wipe.

import { CpxError } from './errors.ts';
import { isPinWellFormed, isPukWellFormed, pinFormatError, pukFormatError } from './pin.ts';

function sameCode(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The new PIN, refused before the card when malformed, or when typed twice and the two differ. */
export function checkNewPin(newPin: Uint8Array, confirmation?: Uint8Array): void {
  if (!isPinWellFormed(newPin)) throw pinFormatError();
  if (confirmation !== undefined && !sameCode(newPin, confirmation)) throw new CpxError('NEW_PIN_MISMATCH');
}

export function checkPuk(puk: Uint8Array): void {
  if (!isPukWellFormed(puk)) throw pukFormatError();
}
