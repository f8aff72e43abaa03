// What a token's PKCS#11 info says about a CPx card without any PIN: card number from the label, PIN tries from
// the flags (Cryptolib CPS exposes only COUNT_LOW / FINAL_TRY / LOCKED, so tries are derived, never read).

import type { PinState } from '../../protocol/card.ts';

export const CKF = {
  TOKEN_PRESENT: 0x1,
  TOKEN_INITIALIZED: 0x400,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
  SERIAL_SESSION: 0x4,
  OS_LOCKING_OK: 0x2,
  DONT_BLOCK: 0x1,
} as const;

export const MAX_PIN_TRIES = 3;

export function pinStateFromFlags(tokenFlags: number): PinState {
  const pinpad = (tokenFlags & CKF.PROTECTED_AUTHENTICATION_PATH) !== 0;
  if (tokenFlags & CKF.USER_PIN_LOCKED) return { triesLeft: 0, locked: true, pinpad };
  if (tokenFlags & CKF.USER_PIN_FINAL_TRY) return { triesLeft: 1, locked: false, pinpad };
  if (tokenFlags & CKF.USER_PIN_COUNT_LOW) return { triesLeft: 2, locked: false, pinpad };
  return { triesLeft: MAX_PIN_TRIES, locked: false, pinpad };
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
