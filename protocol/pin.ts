// The PIN contract, written once for every process: how long a PIN is, what a well-formed one looks like, what a
// prompt asks for, and who wipes the bytes.
//
// Who zeroes the PIN bytes, process by process. A JS string cannot be wiped, so the PIN is a string only where
// a browser API forces it (the PIN page's field, the bridge's JSON body), and only until it is turned into bytes:
// - PIN window (renderer/src/pin + electron/shell/preload-pin.ts): the page empties its field on submit; the
//   preload encodes the string to bytes and zeroes them once IPC has serialised them.
// - Electron main: electron/shell/pin-dialog.ts zeroes bytes it refuses and hands accepted ones to the flow
//   (electron/core/card-auth.ts); CardServiceClient.request (native/service/client.ts) zeroes them as soon as the
//   transport has serialised the request, and the flow zeroes them again once the request has settled — or at
//   once, when it never went out.
// - Development bridge: bridge/http-server.ts zeroes the raw request body once parsed; bridge/pin-broker.ts turns
//   the PIN into bytes, which then go the same way as in Electron main.
// - CLI: cli/pin-input.ts zeroes its reading buffer once copied out; the client zeroes the copy once sent.
// - Card service: native/pkcs11/authenticate.ts zeroes the bytes right after C_Login (and on every refusal), and
//   native/service/handlers/authenticate.ts once more when the request ends, whatever the outcome.

import { CpxError, type ErrorParams } from './errors.ts';

/** Shortest and longest PIN a CPx card takes (ASCII digits). */
export const PIN_MIN = 4;
export const PIN_MAX = 8;

/**
 * How long a PIN prompt waits for the user before it closes by itself: a prompt nobody answers (window hidden, person
 * gone) must not hold the card for everyone else.
 */
export const PIN_PROMPT_TIMEOUT_MS = 2 * 60_000;

/** PIN_PROMPT_TIMEOUT: the prompt closed unanswered after `timeoutMs`, nothing sent. */
export function pinPromptTimeoutError(timeoutMs: number = PIN_PROMPT_TIMEOUT_MS): CpxError {
  return new CpxError('PIN_PROMPT_TIMEOUT', { minutes: Math.max(1, Math.round(timeoutMs / 60_000)) });
}

/** The PUK (code de déblocage) of a CPx card: 8 digits (domain.md). */
export const PUK_LENGTH = 8;

/** The PIN bounds as the PIN_FORMAT message shows them. */
export const PIN_BOUNDS: ErrorParams = Object.freeze({ min: PIN_MIN, max: PIN_MAX });

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * PIN_MIN to PIN_MAX ASCII digits, nothing else. Takes the PIN as the page holds it (a string) or as every other
 * process does (bytes), so the same rule is checked in the page, the hosts and the card service.
 */
export function isPinWellFormed(pin: string | Uint8Array): boolean {
  return pin.length >= PIN_MIN && pin.length <= PIN_MAX && allDigits(pin);
}

function allDigits(code: string | Uint8Array): boolean {
  for (let i = 0; i < code.length; i++) {
    const c = typeof code === 'string' ? code.charCodeAt(i) : code[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

/** Exactly PUK_LENGTH ASCII digits, as the page holds it (a string) or every other process does (bytes). */
export function isPukWellFormed(code: string | Uint8Array): boolean {
  return code.length === PUK_LENGTH && allDigits(code);
}

/** The PUK_FORMAT error, its message filled with the length. */
export function pukFormatError(): CpxError {
  return new CpxError('PUK_FORMAT', { length: PUK_LENGTH });
}

/** The PIN_FORMAT error, its message filled with the bounds. */
export function pinFormatError(): CpxError {
  return new CpxError('PIN_FORMAT', PIN_BOUNDS);
}

/**
 * Why a PIN prompt's host refuses what its page submitted, or null when it takes it: the same rule in the Electron
 * dialog and the bridge's PIN page. The page shows the error and goes back to the field; nothing reaches the card.
 */
export function submitRefusal(asked: { pinpad: boolean; finalTry: boolean; field?: PinFieldPurpose } | null,
  pin: string | Uint8Array | null, confirmFinalTry: unknown): CpxError | null {
  if (!asked) return new CpxError('BAD_REQUEST', { detail: 'no PIN is asked' });
  if (pin === null || typeof confirmFinalTry !== 'boolean') return new CpxError('BAD_REQUEST', { detail: 'PIN and confirmation expected' });
  if (asked.pinpad) return pin.length === 0 ? finalTryRefusal(asked, confirmFinalTry) : new CpxError('BAD_REQUEST', { detail: 'the PIN is typed on the reader' });
  if (asked.field === 'puk') return isPukWellFormed(pin) ? null : pukFormatError();
  if (!isPinWellFormed(pin)) return pinFormatError();
  return finalTryRefusal(asked, confirmFinalTry);
}

/** The final try goes to the card only with the user's explicit confirmation. */
function finalTryRefusal(asked: { finalTry: boolean }, confirmFinalTry: boolean): CpxError | null {
  return asked.finalTry && !confirmFinalTry ? new CpxError('PIN_FINAL_TRY') : null;
}

/** What a PIN prompt is for: signing ('authenticate'), or the card's own PIN management ('change', 'unblock'). */
export type PinPurpose = 'authenticate' | 'change' | 'unblock';

/** One field of a PIN prompt: the PIN the card has now, the unblocking code, the new PIN, the new PIN typed again. */
export type PinFieldPurpose = 'current-pin' | 'puk' | 'new-pin' | 'new-pin-again';

/** The fields each prompt asks for, in order: the PIN window asks them one after the other, in the same window. */
export const PIN_PROMPT_FIELDS = {
  authenticate: ['current-pin'],
  change: ['current-pin', 'new-pin', 'new-pin-again'],
  unblock: ['puk', 'new-pin', 'new-pin-again'],
} as const satisfies Record<PinPurpose, readonly PinFieldPurpose[]>;
export type PinPromptFields = typeof PIN_PROMPT_FIELDS;
