// The one IPC contract between the main window's renderer and whatever hosts it: Electron main (through the
// preload's single `window.cpx` object) or the development bridge (same calls over HTTP + server-sent events).
// The renderer never sees a PIN and never talks to the card or the network itself.
//
// The PIN dialog is a separate window with its own, smaller contract (PinDialogApi) at the end of this file.

import type { AccountPage, Region } from './account.ts';
import type { CardInfo, WatchState } from './card.ts';
import type { DoctorProfileInput } from './doctor-profile.ts';
import type { ErrorBody, Lang } from './errors.ts';

/** Every invoke answers a Result: errors cross the IPC boundary as data, never as thrown exceptions. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export type SettingSource = 'policy' | 'user' | 'default';
export interface SettingValue<T> { value: T; source: SettingSource; locked: boolean }

/** Settings as the UI shows them: read-only, with where each value came from. */
export interface SettingsView {
  serviceUrl: SettingValue<string>;
  allowedOrigins: SettingValue<string[]>;
  pkcs11Module: SettingValue<string | null>;
  language: SettingValue<Lang>;
  region: SettingValue<string | null>;
  supportContact: SettingValue<string | null>;
  logging: SettingValue<'off' | 'error' | 'info' | 'debug'>;
}

export interface AppSnapshot {
  appVersion: string;
  settings: SettingsView;
  card: WatchState;
  /** False while the card service is (re)starting after a crash. */
  cardServiceUp: boolean;
}

/** Steps of a card operation, shown as progress ("Signature en cours…"). */
export type FlowStep = 'challenge' | 'pin' | 'signing' | 'sending' | 'done';
export interface FlowProgress { flow: 'link' | 'create-doctor' | 'card-login'; step: FlowStep }

export interface LinkRequest { readerIndex: number; username: string; password: string }
export interface CreateDoctorRequest { readerIndex: number; profile: DoctorProfileInput }
export interface CardLoginRequest { readerIndex: number }

export interface LoggedIn { account: AccountPage; serviceUrl: string }

/** Invoke channel → [request, response value]. Each has exactly one handler in main (and in the bridge). */
export interface AppInvokes {
  'app:snapshot': [null, AppSnapshot];
  'card:refresh': [null, WatchState];
  'account:regions': [null, Region[]];
  'account:link': [LinkRequest, LoggedIn];
  'account:create-doctor': [CreateDoctorRequest, LoggedIn];
  'account:card-login': [CardLoginRequest, LoggedIn];
  'account:open-service': [null, null];
  'settings:set-language': [Lang, SettingsView];
  'diagnostic:save': [null, { path: string } | null];
  'link:open-external': [string, null];
}
export type AppChannel = keyof AppInvokes;
export const APP_CHANNELS = [
  'app:snapshot', 'card:refresh', 'account:regions', 'account:link', 'account:create-doctor', 'account:card-login',
  'account:open-service', 'settings:set-language', 'diagnostic:save', 'link:open-external',
] as const satisfies readonly AppChannel[];

/** Pushed from host to renderer. */
export interface AppEvents {
  'card:state': WatchState;
  'card:service': { up: boolean; crashed?: boolean };
  'flow:progress': FlowProgress;
  'settings:changed': SettingsView;
}
export type AppEventName = keyof AppEvents;
export const APP_EVENTS = ['card:state', 'card:service', 'flow:progress', 'settings:changed'] as const satisfies readonly AppEventName[];

/** The single object the main window's preload exposes as `window.cpx`. */
export interface CpxApi {
  invoke<C extends AppChannel>(channel: C, request: AppInvokes[C][0]): Promise<Result<AppInvokes[C][1]>>;
  on<E extends AppEventName>(event: E, listener: (payload: AppEvents[E]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------
// PIN dialog: its own window, its own preload, exposing only these calls as `window.cpxPin`.

export interface PinDialogRequest {
  /** Host of the service asking for the signature, shown so the user knows who is asking. */
  requester: string;
  holder: { name: string; cardType: CardInfo['cardType']; profession: string | null; cardNumber: string };
  triesLeft: number;
  /** Only one try left: the dialog asks for an extra confirmation before sending. */
  finalTry: boolean;
  pinpad: boolean;
  /** PIN-pad countdown, in ms. */
  timeoutMs: number;
  lang: Lang;
  /** Set when the previous attempt was wrong: the dialog shows it and stays open. */
  previousError?: ErrorBody;
}

export interface PinDialogApi {
  request(): Promise<PinDialogRequest>;
  /**
   * Well-formed as protocol/pin.ts says (isPinWellFormed); `confirmFinalTry` must be true when `finalTry` was set.
   * Empty string on a PIN pad.
   */
  submit(pin: string, confirmFinalTry: boolean): Promise<void>;
  cancel(): Promise<void>;
}
