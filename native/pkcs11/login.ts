// Presenting a code to the card: exactly one C_Login (or C_SetPIN / C_InitPIN) per user action, never retried, with
// the code held as bytes and zeroed as soon as the call returns.
//
// pkcs11js takes codes as JavaScript strings only; each string lives for the duration of one call and is never
// stored (a limitation of the binding: JS strings cannot be wiped, see README.md "PIN handling").

import { CKR, ckrOf } from './ckr.ts';
import type { LoadedModule } from './module-host.ts';

export const CKU = { SO: 0, USER: 1 } as const;

// Session states (PKCS#11 v2.20 §6.7.1): logged in as the user or as the SO.
const CKS_RO_USER_FUNCTIONS = 1;
const CKS_RW_USER_FUNCTIONS = 3;
const CKS_RW_SO_FUNCTIONS = 4;

const asString = (code: Uint8Array) => Buffer.from(code.buffer, code.byteOffset, code.byteLength).toString('latin1');

/**
 * PKCS#11 login state belongs to the application and the token, not to a session: a session of this process left
 * logged in makes the new one logged in too, and its C_Login answers CKR_USER_ALREADY_LOGGED_IN (Cryptolib does). The
 * session is logged out first, so the one C_Login that follows is the one that checks the code the user just typed,
 * and the operation never runs on a login it did not make.
 */
export function startLoggedOut(m: LoadedModule, session: Buffer): void {
  const { state } = m.lib.C_GetSessionInfo(session);
  if (state === CKS_RO_USER_FUNCTIONS || state === CKS_RW_USER_FUNCTIONS || state === CKS_RW_SO_FUNCTIONS) m.lib.C_Logout(session);
}

/** One C_Login as the user (PIN) or the SO (a CPx card's PUK); an empty code on a PIN pad: the reader asks for it. */
export function loginOnce(m: LoadedModule, session: Buffer, user: number, code: Uint8Array): void {
  try {
    m.lib.C_Login(session, user, asString(code));
  } catch (err) {
    // Another login won the race since startLoggedOut: leave the card logged out, and fail this attempt rather
    // than work on a login whose code the user did not type.
    if (ckrOf(err) === CKR.USER_ALREADY_LOGGED_IN) { try { m.lib.C_Logout(session); } catch { /* ignore */ } }
    throw err;
  } finally {
    code.fill(0);
  }
}

/** One C_SetPIN (current PIN, new PIN) in a read-write session; empty codes on a PIN pad. */
export function setPinOnce(m: LoadedModule, session: Buffer, current: Uint8Array, next: Uint8Array): void {
  try {
    m.lib.C_SetPIN(session, asString(current), asString(next));
  } finally {
    current.fill(0);
    next.fill(0);
  }
}

/** One C_InitPIN (the new PIN) in a session logged in as the SO; an empty code on a PIN pad. */
export function initPinOnce(m: LoadedModule, session: Buffer, next: Uint8Array): void {
  try {
    m.lib.C_InitPIN(session, asString(next));
  } finally {
    next.fill(0);
  }
}
