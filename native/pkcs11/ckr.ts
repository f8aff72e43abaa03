// PKCS#11 return values, as pkcs11js reports them (Pkcs11Error: message "CKR_NAME", numeric code).

import pkcs11 from 'pkcs11js';

export const CKR = {
  OK: 0x0, CANCEL: 0x1, GENERAL_ERROR: 0x5, FUNCTION_FAILED: 0x6, ARGUMENTS_BAD: 0x7, NO_EVENT: 0x8,
  SLOT_ID_INVALID: 0x3, DEVICE_ERROR: 0x30, DEVICE_MEMORY: 0x31, DEVICE_REMOVED: 0x32,
  FUNCTION_CANCELED: 0x50, FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60, MECHANISM_INVALID: 0x70, OBJECT_HANDLE_INVALID: 0x82,
  PIN_INCORRECT: 0xa0, PIN_INVALID: 0xa1, PIN_LEN_RANGE: 0xa2, PIN_EXPIRED: 0xa3, PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0, SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0, TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100, USER_NOT_LOGGED_IN: 0x101, USER_PIN_NOT_INITIALIZED: 0x102, USER_TYPE_INVALID: 0x103,
  USER_ANOTHER_ALREADY_LOGGED_IN: 0x104,
  CRYPTOKI_NOT_INITIALIZED: 0x190, CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

const NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(pkcs11 as unknown as Record<string, unknown>)) {
  if (k.startsWith('CKR_') && typeof v === 'number' && !NAMES.has(v)) NAMES.set(v, k);
}

/** The CKR code carried by an error thrown by pkcs11js or graphene; null for anything else. */
export function ckrOf(err: unknown): number | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const msg = typeof e.message === 'string' ? e.message : '';
  const m = /(CKR_[A-Z0-9_]+)(?::(\d+))?/.exec(msg);
  if (m) {
    if (m[2]) return Number(m[2]);
    const v = (pkcs11 as unknown as Record<string, unknown>)[m[1]!];
    if (typeof v === 'number') return v;
  }
  if (typeof e.code === 'number' && e.name === 'Pkcs11Error') return e.code;
  return null;
}

export function ckrName(code: number): string {
  return NAMES.get(code) ?? `CKR_0x${code.toString(16)}`;
}

/** Codes that mean "the card is no longer there", whatever the call. */
export function isRemovalCode(code: number | null): boolean {
  return code === CKR.DEVICE_REMOVED || code === CKR.TOKEN_NOT_PRESENT || code === CKR.SESSION_HANDLE_INVALID
    || code === CKR.SESSION_CLOSED || code === CKR.SLOT_ID_INVALID;
}
