// The typed request/response protocol between a host (CLI, Electron main, development bridge, tests) and the
// card service process that owns the PKCS#11 module. Every request carries a sequence number; the service
// answers each exactly once with the same number, and pushes events (seq absent) when the card state changes.

import type { CardInfo, PinState, PukState, WatchState, WebEidToken } from './card.ts';
import type { ErrorBody, Lang } from './errors.ts';

/** Where a module comes from when someone chose it on purpose: it is used or reported, never silently replaced. */
export const EXPLICIT_MODULE_SOURCES = ['policy', 'setting', 'environment'] as const;
export type ExplicitModuleSource = (typeof EXPLICIT_MODULE_SOURCES)[number];

export function isExplicitModuleSource(source: string | undefined): source is ExplicitModuleSource {
  return (EXPLICIT_MODULE_SOURCES as readonly (string | undefined)[]).includes(source);
}

export interface ModuleDiagnosis {
  path: string;
  /** not-found | found (not loaded) | load-failed | wrong-arch | loaded */
  status: 'not-found' | 'found' | 'load-failed' | 'wrong-arch' | 'loaded';
  manufacturer: string | null;
  description: string | null;
  /** Library version as `major.minor`, and the Cryptoki version it implements. */
  version: string | null;
  cryptokiVersion?: string | null;
  message: string;
  /** Why it failed in the loader's own words (or the file's architecture), untranslated; failures only. */
  detail?: string;
  /** Where this candidate came from: policy, setting, environment, cryptolib, opensc. */
  source?: string;
}

export interface DiagnoseResult {
  modules: ModuleDiagnosis[];
  readers: { name: string; card: boolean }[];
  cards: CardInfo[];
  advice: string[];
  /** Set when no module is usable: the same error the card requests answer (an explicit module names its path). */
  moduleError?: NonNullable<WatchState['module']>;
}

/** Which card an operation is for: the reader as the user saw it, and the card the user saw in it. */
export interface CardChoice {
  readerIndex?: number;
  /**
   * The card number the user saw. When given, the service works only with that very card: in another reader if the
   * slots were reshuffled (a reader unplugged), never with another card that took its place (CARD_REMOVED).
   */
  cardNumber?: string;
}

export interface AuthenticateParams extends CardChoice {
  origin: string;
  nonce: string;
  /**
   * The PIN as typed, as bytes. Empty on a PIN-pad reader. The service zeroes its copy once C_Login returns;
   * the sender zeroes its own copy once the request is sent.
   */
  pin: Uint8Array;
  /** The user confirmed the final-try warning; without it a card on its last try is refused with PIN_FINAL_TRY. */
  confirmFinalTry?: boolean;
  appVersion?: string;
}

/**
 * Changing the PIN (C_SetPIN): the current PIN, then the new one (and, when the user typed it twice, the second
 * typing: refused with NEW_PIN_MISMATCH when they differ). Empty codes on a PIN-pad reader: typed on the reader.
 * Every code is zeroed by the sender once sent and by the service once used.
 */
export interface ChangePinParams extends CardChoice {
  currentPin: Uint8Array;
  newPin: Uint8Array;
  newPinConfirmation?: Uint8Array;
  /** The user confirmed the final-try warning (a wrong current PIN would block the card). */
  confirmFinalTry?: boolean;
}

/** Unblocking with the PUK (C_Login as SO with the PUK, then C_InitPIN with the new PIN). */
export interface UnblockPinParams extends CardChoice {
  puk: Uint8Array;
  newPin: Uint8Array;
  newPinConfirmation?: Uint8Array;
}

/** The card after a PIN change or an unblock, its counters read again. */
export interface PinManagementResult {
  readerIndex: number;
  cardNumber: string;
  pin: PinState;
  puk: PukState;
}

/** Whether a window of the app is in front: the service watches the readers often only then (or during a flow). */
export type Visibility = 'visible' | 'hidden';

/** Request name → [params, result]. One handler per request in the service. */
export interface CardServiceRequests {
  /** Candidates, their load state, readers, cards: the support line's screen. */
  diagnose: [Record<string, never>, DiagnoseResult];
  /** The current watch state, read now (not waiting for the next poll). */
  state: [Record<string, never>, WatchState];
  /** Cards present, read without PIN. */
  cards: [Record<string, never>, CardInfo[]];
  authenticate: [AuthenticateParams, WebEidToken];
  /** Cancels a pending PIN-pad wait or an authentication not yet signing. */
  cancel: [Record<string, never>, { cancelled: boolean }];
  changePin: [ChangePinParams, PinManagementResult];
  unblockPin: [UnblockPinParams, PinManagementResult];
  /** The app says whether one of its windows is visible (default: visible). */
  visibility: [{ window: Visibility }, { window: Visibility }];
  shutdown: [Record<string, never>, { ok: true }];
}
export type CardServiceMethod = keyof CardServiceRequests;

export interface ServiceRequest<M extends CardServiceMethod = CardServiceMethod> {
  seq: number;
  method: M;
  params: CardServiceRequests[M][0];
}

export type ServiceResponse<M extends CardServiceMethod = CardServiceMethod> =
  | { seq: number; ok: true; result: CardServiceRequests[M][1] }
  | { seq: number; ok: false; error: ErrorBody };

/**
 * How long a PIN-pad reader waits for the user (Cryptolib's reader timeout). The card service waits this long and
 * says so in its `pinpad-waiting` event; the PIN dialog's countdown shows the same figure.
 */
export const PINPAD_TIMEOUT_MS = 30_000;

export type ServiceEvent =
  | { event: 'state'; state: WatchState }
  | { event: 'ready'; module: ModuleDiagnosis | null }
  | { event: 'pinpad-waiting'; readerIndex: number; timeoutMs: number; step?: PinpadStep };

/** What the PIN-pad reader asks for: the PIN (login), the current and new PIN (change), the PUK, the new PIN. */
export type PinpadStep = 'pin' | 'change' | 'puk' | 'new-pin';

export type ServiceMessage = ServiceResponse | ServiceEvent;

/** Options the host gives the service when it starts it (argv JSON or environment). */
export interface CardServiceOptions {
  /** Explicit module (policy, setting, CPX_PKCS11_MODULE); tried before Cryptolib and OpenSC. */
  modulePath?: string | null;
  modulePathSource?: ExplicitModuleSource;
  /**
   * How often the watcher looks at the readers while a window is visible or a flow runs, in ms (default
   * native/service/watch-schedule.ts); hidden, it looks less often, never more often than this.
   */
  pollMs?: number;
  appVersion?: string;
  lang?: Lang;
}
