// The card's own PIN management (what the issuer's card tool does): changing the PIN, and unblocking a card with its
// PUK. The checks made before anything reaches the card live here, once, for the card service, the CLI and the app.
// Codes travel as bytes (ASCII digits), never as strings the host cannot wipe.

import { CpxError } from './errors.ts';
import { isPinWellFormed, pinFormatError } from './pin.ts';

/** The PUK (code de déblocage) of a CPx card: 8 digits (domain.md). */
export const PUK_LENGTH = 8;

function allDigits(code: Uint8Array): boolean {
  for (const b of code) if (b < 0x30 || b > 0x39) return false;
  return code.length > 0;
}

export function isPukWellFormed(code: Uint8Array): boolean {
  return code.length === PUK_LENGTH && allDigits(code);
}

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
  if (!isPukWellFormed(puk)) throw new CpxError('PUK_FORMAT', { length: PUK_LENGTH });
}
