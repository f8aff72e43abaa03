// What a token's PKCS#11 info says about a CPx card without any PIN: card number from the label, PIN and PUK tries
// from the flags (Cryptolib CPS exposes only COUNT_LOW / FINAL_TRY / LOCKED, so tries are derived, never read).

import type { PinState, PukState } from '../../protocol/card.ts';

export const CKF = {
  TOKEN_PRESENT: 0x1,
  TOKEN_INITIALIZED: 0x400,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
  SO_PIN_COUNT_LOW: 0x100000,
  SO_PIN_FINAL_TRY: 0x200000,
  SO_PIN_LOCKED: 0x400000,
  RW_SESSION: 0x2,
  SERIAL_SESSION: 0x4,
  OS_LOCKING_OK: 0x2,
  DONT_BLOCK: 0x1,
} as const;

export const MAX_PIN_TRIES = 3;
/** The PUK's tries on a full card: 3, as the PIN's (the issuer's card tool; unverified, see README.md). */
export const MAX_PUK_TRIES = 3;

function triesFrom(flags: number, bits: { locked: number; finalTry: number; countLow: number }, full: number): number {
  if (flags & bits.locked) return 0;
  if (flags & bits.finalTry) return 1;
  if (flags & bits.countLow) return Math.min(2, full - 1);
  return full;
}

export function pinStateFromFlags(tokenFlags: number): PinState {
  const pinpad = (tokenFlags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0;
  const triesLeft = triesFrom(tokenFlags, { locked: CKF.USER_PIN_LOCKED, finalTry: CKF.USER_PIN_FINAL_TRY, countLow: CKF.USER_PIN_COUNT_LOW }, MAX_PIN_TRIES);
  return { triesLeft, locked: triesLeft === 0, pinpad };
}

export function pukStateFromFlags(tokenFlags: number): PukState {
  const triesLeft = triesFrom(tokenFlags, { locked: CKF.SO_PIN_LOCKED, finalTry: CKF.SO_PIN_FINAL_TRY, countLow: CKF.SO_PIN_COUNT_LOW }, MAX_PUK_TRIES);
  return { triesLeft, locked: triesLeft === 0 };
}

export interface CardLabel {
  /** `CPS3v3`, `CPS4v1`, … */
  generation: string;
  cardNumber: string;
}

/** `CPS3v3-2800123456` (space padded to 32) → generation and card number; null for any other label. */
export function parseCardLabel(label: string): CardLabel | null {
  const m = /^(CPS\d+v\d+)-(\S+)$/.exec(label.replace(/\0/g, '').trim());
  return m ? { generation: m[1]!, cardNumber: m[2]! } : null;
}
