// The one IPC contract between the main window's renderer and whatever hosts it: Electron main (through the
// preload's single `window.cpx` object) or the development bridge (same calls over HTTP + server-sent events).
// The renderer never sees a PIN and never talks to the card or the network itself.
//
// The PIN dialog is a separate window with its own, smaller contract (PinDialogApi) at the end of this file.

import type { AccountPage, Region, VerifiedHolder } from './account.ts';
import type { PinManagementResult, PinpadStep, Visibility } from './card-service.ts';
import type { CardInfo, PukState, WatchState } from './card.ts';
import type { DoctorProfileInput } from './doctor-profile.ts';
import type { ErrorBody, Lang } from './errors.ts';
import type { PinFieldPurpose, PinPurpose } from './pin.ts';

/** Every invoke answers a Result: errors cross the IPC boundary as data, never as thrown exceptions. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export type SettingSource = 'policy' | 'user' | 'default';
export interface SettingValue<T> { value: T; source: SettingSource; locked: boolean }

/** Settings as the UI shows them: read-only, with where each value came from. */
export interface SettingsView {
  serviceUrl: SettingValue<string>;
  /** How users know the configured service ("ViaTrajectoire — Centre-Val de Loire"): the PIN dialog names it so. */
  serviceName: SettingValue<string | null>;
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
  /** The latest browser login (started by a service's page through a `cpxlink:` link), for a window opened after it. */
  browserLogin: BrowserLoginState | null;
}

/** Who asks for the card's signature, as the PIN dialog and the main window say it before any PIN is typed. */
export interface Requester {
  /**
   * The service's name as users know it: the serviceName setting/policy, else the service's own answer (its
   * transaction, or its challenge for the app's own login); null when neither gives one (the origin then names it).
   */
  name: string | null;
  /** The origin the card signs for: https://host[:port]. */
  origin: string;
}

/** Steps of a card operation, shown as progress ("Signature en cours…"). */
export type FlowStep = 'challenge' | 'pin' | 'signing' | 'sending' | 'done';
/**
 * card-login: "Se connecter par carte CPx" in the app; link / create-doctor: "Première connexion" (no PIN, a ticket);
 * pin-change / pin-unblock: the card's own PIN management ("Changer le code PIN", "Débloquer avec le code PUK").
 */
export type LoginFlow = 'card-login' | 'link' | 'create-doctor' | 'browser-login';
export type PinFlow = 'pin-change' | 'pin-unblock';
export type Flow = LoginFlow | PinFlow;
export interface FlowProgress { flow: Flow; step: FlowStep }

export interface CardLoginRequest { readerIndex: number }
/** Change the PIN of, or unblock, the card in this reader: the codes are asked in the PIN window, never sent here. */
export interface PinManagementRequest { readerIndex: number }
/** The card after its PIN was changed or unblocked: the new PIN is in force, its counters read again. */
export type PinManagementOutcome = PinManagementResult;
/** "Première connexion" answers the ticket main keeps from the card login: no reader, no PIN again. */
export interface LinkRequest { username: string; password: string }
export interface CreateDoctorRequest { profile: DoctorProfileInput }

/** An unlinked card after its card login: what "Première connexion par carte CPX" shows. The ticket stays in main. */
export interface FirstLoginView {
  /** The holder as the service read them from the certificate it verified. */
  holder: VerifiedHolder;
  /** "Espace médecin libéral" is offered only to a CPS doctor. */
  independentDoctorAllowed: boolean;
  expiresAt: string;
  /** Set when this first login finishes a browser's login: the service the browser will be logged in to. */
  browser: Requester | null;
}

export interface LoggedIn {
  account: AccountPage;
  serviceUrl: string;
  /** Set when the login ended in the professional's default browser: the service it was logged in to. */
  browser: Requester | null;
}

/** "Se connecter par carte CPx": PIN once, then logged in, or — card not linked yet — "Première connexion". */
export type CardLoginOutcome =
  | ({ status: 'logged-in' } & LoggedIn)
  | { status: 'link-required'; firstLogin: FirstLoginView };

/**
 * A login a service's page asked for (`cpxlink:` link): where it stands and how it ended, pushed to the main window,
 * which did not start it. `id` grows with each link received.
 */
export interface BrowserLoginState {
  id: number;
  /** Null when the link was refused before its origin could be trusted. */
  requester: Requester | null;
  status: 'running' | 'first-login' | 'done' | 'failed';
  firstLogin?: FirstLoginView;
  /** done: the account the browser is now logged in to. */
  account?: AccountPage;
  /** failed: why, in words. */
  error?: ErrorBody;
  /** failed: the same link can be tried again ("Réessayer"), e.g. after inserting the card. */
  canRetry?: boolean;
}

/** Invoke channel → [request, response value]. Each has exactly one handler in main (and in the bridge). */
export interface AppInvokes {
  'app:snapshot': [null, AppSnapshot];
  'card:refresh': [null, WatchState];
  'account:regions': [null, Region[]];
  'account:card-login': [CardLoginRequest, CardLoginOutcome];
  /** "Changer le code PIN": current PIN, new PIN twice, in the PIN window; one C_SetPIN. */
  'card:change-pin': [PinManagementRequest, PinManagementOutcome];
  /** "Débloquer avec le code PUK": PUK, new PIN twice, in the PIN window; one C_Login (SO) and one C_InitPIN. */
  'card:unblock-pin': [PinManagementRequest, PinManagementOutcome];
  /**
   * The page is shown or hidden (the development bridge, from the page's visibilitychange; the Electron shell tells the
   * controller itself from its windows): the card service looks at the readers less often while nothing is shown.
   */
  'app:visibility': [Visibility, null];
  'account:link': [LinkRequest, LoggedIn];
  'account:create-doctor': [CreateDoctorRequest, LoggedIn];
  /** "Retour" from Première connexion: the ticket is dropped (and a browser login waiting for it ends). */
  'account:first-login-cancel': [null, null];
  'account:open-service': [null, null];
  /** "Réessayer" on a failed browser login: the same link again (while its transaction lives). */
  'browser:retry': [null, null];
  /** "Annuler" while a card flow runs (its PIN prompt included): the flow ends, the card is free at once. */
  'flow:cancel': [null, null];
  'settings:set-language': [Lang, SettingsView];
  /** The region the user chose for "Comment obtenir un compte ?": remembered (unless IT set it by policy). */
  'settings:set-region': [string, SettingsView];
  'diagnostic:save': [null, { path: string } | null];
  'link:open-external': [string, null];
}
export type AppChannel = keyof AppInvokes;
export const APP_CHANNELS = [
  'app:snapshot', 'card:refresh', 'account:regions', 'account:card-login', 'card:change-pin', 'card:unblock-pin', 'app:visibility',
  'account:link', 'account:create-doctor',
  'account:first-login-cancel', 'account:open-service', 'browser:retry', 'flow:cancel', 'settings:set-language', 'settings:set-region', 'diagnostic:save',
  'link:open-external',
] as const satisfies readonly AppChannel[];

/** Pushed from host to renderer. */
export interface AppEvents {
  'card:state': WatchState;
  'card:service': { up: boolean; crashed?: boolean };
  'flow:progress': FlowProgress;
  'browser:login': BrowserLoginState;
  'settings:changed': SettingsView;
}
export type AppEventName = keyof AppEvents;
export const APP_EVENTS = ['card:state', 'card:service', 'flow:progress', 'browser:login', 'settings:changed'] as const satisfies readonly AppEventName[];

/** The single object the main window's preload exposes as `window.cpx`. */
export interface CpxApi {
  invoke<C extends AppChannel>(channel: C, request: AppInvokes[C][0]): Promise<Result<AppInvokes[C][1]>>;
  on<E extends AppEventName>(event: E, listener: (payload: AppEvents[E]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------
// PIN dialog: its own window, its own preload, exposing only these calls as `window.cpxPin`.

export interface PinDialogRequest {
  /**
   * The service asking for the signature, shown so the user knows who is asking before typing anything. Absent when
   * nobody signs anything: the card's own PIN management, which the user started in the app.
   */
  requester?: Requester;
  /** What the prompt is for; absent: 'authenticate'. */
  purpose?: PinPurpose;
  /** The code this question asks for (protocol/pin.ts PIN_PROMPT_FIELDS, one after the other); absent: 'current-pin'. */
  field?: PinFieldPurpose;
  /** Unblocking: the PUK's own tries (a blocked PUK means a new card from the ANS). */
  puk?: PukState;
  /** PIN-pad reader: what the reader asks for now (the card service's `pinpad-waiting` step). */
  pinpadStep?: PinpadStep;
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
   * Empty string on a PIN pad. A refusal (PIN_FORMAT, PIN_FINAL_TRY without confirmation, no question open) comes
   * back as data, for the page to show next to the field.
   */
  submit(pin: string, confirmFinalTry: boolean): Promise<Result<null>>;
  cancel(): Promise<void>;
}
