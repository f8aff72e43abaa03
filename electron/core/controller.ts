// The main process's logic, one method per IPC channel (protocol/ipc.ts AppInvokes), free of Electron: the shell
// and the development bridge both host it and only differ in the ports they plug in (ports.ts).
//
// `handle(channel, payload)` is the single entry point for untrusted callers: payload checked, errors turned into
// data (Result), every outcome logged by code — never with a PIN, a password or a session.

import { BUILT_IN_HELP_ORIGINS } from '../../protocol/help-links.ts';
import type { Region } from '../../protocol/account.ts';
import type { Visibility } from '../../protocol/card-service.ts';
import type { WatchState } from '../../protocol/card.ts';
import { isEmailAddress, isFrenchPhone, mailtoHref, telHref } from '../../protocol/contact.ts';
import { CpxError, toCpxError, type Lang } from '../../protocol/errors.ts';
import type {
  AppChannel, AppEventName, AppEvents, AppInvokes, AppSnapshot, BrowserLoginState, Result, SettingsView,
} from '../../protocol/ipc.ts';
import { checkOrigin, isLoopback } from '../../protocol/origin.ts';
import { PIN_PROMPT_TIMEOUT_MS } from '../../protocol/pin.ts';
import { AccountService } from './account-service.ts';
import SHIPPED_REGIONS from './shipped-regions.json' with { type: 'json' };
import { buildDiagnosticReport, reportFileName, saveDiagnosticReport } from './diagnostic-report.ts';
import { validateRequest } from './ipc-validate.ts';
import type { LogPort } from './log.ts';
import { LoginFlows } from './login-flows.ts';
import type { CardServiceStatus, CardsPort, HttpPort, PinPromptPort, SystemPort } from './ports.ts';
import { Redactor } from './redact.ts';
import { allowedOriginsOf, type SettingsStore } from './settings.ts';

export interface AppControllerDeps {
  cards: CardsPort;
  http: HttpPort;
  pin: PinPromptPort;
  settings: SettingsStore;
  /** The log; when it can also give its recent lines and redactor (FileLogger), the diagnostic report uses them. */
  log: LogPort & { recentLines?(): string[]; readonly redactor?: Redactor };
  system: SystemPort;
  appVersion: string;
  /** Runtime versions for the diagnostic report (electron, chrome). */
  runtime?: Record<string, string | undefined>;
  /** How long a PIN prompt waits for the user; PIN_PROMPT_TIMEOUT_MS unless a test shortens it. */
  pinPromptTimeoutMs?: number;
  now?: () => number;
}

export type AppEventListener = <E extends AppEventName>(event: E, payload: AppEvents[E]) => void;

export class AppController {
  readonly #d: AppControllerDeps;
  readonly #service: AccountService;
  readonly #logins: LoginFlows;
  readonly #listeners = new Set<AppEventListener>();
  readonly #unsubscribe: (() => void)[] = [];
  #lastState: WatchState | null = null;
  #serviceUp = true;
  /** Whether a window of the app is shown, as last told (the card service starts out assuming one is). */
  #visibility: Visibility = 'visible';
  /** Support links the configured service itself gave (regions): the UI may open them besides the allowed origins. */
  #serviceLinks = new Set<string>();

  constructor(deps: AppControllerDeps) {
    this.#d = deps;
    this.#service = new AccountService(deps.http, () => deps.settings.values(), deps.log);
    this.#logins = new LoginFlows({
      cards: deps.cards, pin: deps.pin, log: deps.log, service: this.#service, system: deps.system,
      lang: () => this.#lang(), serviceName: () => deps.settings.get('serviceName'), appVersion: deps.appVersion,
      pinPromptTimeoutMs: deps.pinPromptTimeoutMs ?? PIN_PROMPT_TIMEOUT_MS, lastState: () => this.#lastState,
      now: deps.now ?? Date.now, emit: (event, payload) => this.#emit(event, payload),
    });
    const onState = (state: WatchState) => this.#onCardState(state);
    const onService = (status: CardServiceStatus) => this.#onCardService(status);
    deps.cards.on('state', onState);
    deps.cards.on('service', onService);
    this.#unsubscribe.push(() => { deps.cards.off?.('state', onState); deps.cards.off?.('service', onService); });
    this.#unsubscribe.push(deps.settings.onChange((view) => this.#emit('settings:changed', view)));
  }

  /** Events for the renderer (card:state, card:service, flow:progress, browser:login, settings:changed). */
  subscribe(listener: AppEventListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** Entry point for untrusted callers (IPC, bridge): validates, runs, and answers a Result — never throws. */
  async handle<C extends AppChannel>(channel: C, payload: unknown): Promise<Result<AppInvokes[C][1]>> {
    try {
      const request = validateRequest(channel, payload);
      return { ok: true, value: await this.invoke(channel, request) };
    } catch (err) {
      const e = toCpxError(err);
      const level = e.code === 'INTERNAL_ERROR' ? 'error' : 'info';
      this.#d.log[level]('ipc.error', { channel: String(channel).slice(0, 40), code: e.code, ...(e.code === 'INTERNAL_ERROR' ? { err } : {}) });
      return { ok: false, error: e.toBody(this.#lang()) };
    }
  }

  /** Runs a channel with an already validated request; throws CpxError. */
  invoke<C extends AppChannel>(channel: C, request: AppInvokes[C][0]): Promise<AppInvokes[C][1]> {
    const handlers: { [K in AppChannel]: (req: AppInvokes[K][0]) => Promise<AppInvokes[K][1]> } = {
      'app:snapshot': () => this.snapshot(),
      'card:refresh': () => this.refreshCard(),
      'account:regions': () => this.regions(),
      'account:card-login': (r) => this.#logins.cardLogin(r.readerIndex),
      'card:change-pin': (r) => this.#logins.managePin('change', r.readerIndex),
      'card:unblock-pin': (r) => this.#logins.managePin('unblock', r.readerIndex),
      'app:visibility': async (v) => { await this.setVisibility(v); return null; },
      'account:link': (r) => this.#logins.link(r),
      'account:create-doctor': (r) => this.#logins.createDoctor(r),
      'account:first-login-cancel': async () => { this.#logins.cancelFirstLogin(); return null; },
      'account:open-service': async () => { await this.#logins.openService(); return null; },
      'browser:retry': async () => { this.#logins.retryBrowserLogin(); return null; },
      'flow:cancel': async () => { this.cancelFlow('user'); return null; },
      'settings:set-language': (lang) => this.setLanguage(lang),
      'settings:set-region': (id) => this.#d.settings.setUser('region', id),
      'diagnostic:save': () => this.saveDiagnostic(),
      'link:open-external': (url) => this.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK — our method below: checkExternalLink first
    };
    return (handlers[channel] as (r: AppInvokes[C][0]) => Promise<AppInvokes[C][1]>)(request);
  }

  async snapshot(): Promise<AppSnapshot> {
    let card = this.#lastState;
    if (!card) {
      try {
        card = await this.refreshCard();
      } catch (err) {
        const e = toCpxError(err);
        card = { kind: 'NO_MODULE', readers: [], cards: [], unrecognised: [],
          module: { path: null, code: e.code, message: e.toBody(this.#lang()).message } };
      }
    }
    return { appVersion: this.#d.appVersion, settings: this.#d.settings.view(), card, cardServiceUp: this.#serviceUp,
      browserLogin: this.#logins.browserLogin };
  }

  async refreshCard(): Promise<WatchState> {
    const state = await this.#d.cards.request('state', {});
    this.#lastState = state;
    return state;
  }

  /**
   * The service's regions; when it cannot be reached, the copy shipped with the app (build/gen-regions.ts), so the
   * help and the support contacts still show. The service's answer replaces the copy whenever it comes.
   */
  async regions(): Promise<Region[]> {
    let regions: Region[];
    try {
      regions = await this.#service.regions();
    } catch (err) {
      this.#d.log.info('regions.shipped-copy', { code: toCpxError(err).code });
      regions = SHIPPED_REGIONS;
    }
    this.#serviceLinks = new Set(regions.flatMap((r) => [
      ...(r.support?.url ? [r.support.url] : []),
      ...(r.support?.email ? [mailtoHref(r.support.email).toLowerCase()] : []),
      ...(r.support?.phone ? [telHref(r.support.phone)] : []),
    ]));
    return regions;
  }

  /**
   * A `cpxlink:` link from the OS, as a second instance's arguments (Windows, Linux; the bridge's --open) or as the
   * URL macOS hands over. Host-only: the renderer cannot call it. Null when the arguments hold no link at all.
   */
  openLoginLinkFromArgv(argv: readonly string[]): BrowserLoginState | null {
    return this.#logins.openLoginLinkFromArgv(argv);
  }

  openLoginLink(raw: unknown): BrowserLoginState {
    return this.#logins.openLoginLink(raw);
  }

  async openExternal(raw: string): Promise<null> {
    await this.#d.system.openExternal(this.checkExternalLink(raw)); // eng-disable OPEN_EXTERNAL_JS_CHECK — allow-listed by checkExternalLink
    return null;
  }

  /**
   * What the system browser (or mail client) may be asked to open: https links to an allowed origin, to the card
   * issuer's help site, or to a support page the service listed; mailto: to a support address the service listed
   * (the address only, any query dropped) and tel: to a support phone it listed. Loopback http is allowed
   * only for the configured service itself (the demo). Returns the normalised URL or throws.
   */
  checkExternalLink(raw: string): string {
    let url: URL;
    try { url = new URL(raw); } catch { throw new CpxError('BAD_REQUEST', { detail: 'link: not a URL' }); }
    if (url.protocol === 'mailto:') {
      // The address alone: a query (?cc=…&bcc=…&attach=…&body=…) could copy or attach anything to the message.
      const address = decodeURIComponent(url.pathname).trim();
      const href = isEmailAddress(address) ? mailtoHref(address) : '';
      if (href && this.#serviceLinks.has(href.toLowerCase())) return href;
      throw new CpxError('ORIGIN_NOT_ALLOWED', { detail: 'mailto' });
    }
    if (url.protocol === 'tel:') {
      const number = decodeURIComponent(url.pathname);
      const href = isFrenchPhone(number) ? telHref(number) : '';
      if (href && this.#serviceLinks.has(href)) return href;
      throw new CpxError('ORIGIN_NOT_ALLOWED', { detail: 'tel' });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new CpxError('INVALID_ORIGIN', { detail: url.origin.slice(0, 100) });
    }
    if (url.username || url.password) throw new CpxError('INVALID_ORIGIN', { detail: url.host });
    const origin = checkOrigin(url.origin);
    const allowed = [...allowedOriginsOf(this.#d.settings.values()), ...BUILT_IN_HELP_ORIGINS];
    if (url.protocol === 'https:' && (allowed.includes(origin) || this.#serviceLinks.has(url.href) || this.#serviceLinks.has(raw))) return url.href;
    if (url.protocol === 'http:' && origin === this.#service.origin()) return url.href;
    throw new CpxError('ORIGIN_NOT_ALLOWED', { detail: origin });
  }

  /**
   * A window of the app shown, or none (all hidden or minimised): the Electron shell from its windows' events, the
   * bridge from its page's visibilitychange. The card service looks at the readers less often while nothing is shown.
   */
  async setVisibility(window: Visibility): Promise<void> {
    if (window === this.#visibility) return;
    this.#visibility = window;
    this.#d.log.debug('window.visibility', { window });
    await this.#tellVisibility();
  }

  get visibility(): Visibility { return this.#visibility; }

  async #tellVisibility(): Promise<void> {
    try {
      await this.#d.cards.request('visibility', { window: this.#visibility });
    } catch (err) {
      // Only the watcher's pace depends on it: a service restarting is told again once it is up (#onCardService).
      this.#d.log.info('window.visibility-not-told', { code: toCpxError(err).code });
    }
  }

  async setLanguage(lang: Lang): Promise<SettingsView> {
    return this.#d.settings.setUser('language', lang);
  }

  async saveDiagnostic(): Promise<{ path: string } | null> {
    const file = await this.#d.system.chooseSavePath(reportFileName());
    if (!file) return null;
    await this.writeDiagnostic(file);
    return { path: file };
  }

  /** Builds the diagnostic report and writes it to `file` (the save dialog's choice, or `--diagnostic-report`). */
  async writeDiagnostic(file: string): Promise<void> {
    const report = await buildDiagnosticReport({
      appVersion: this.#d.appVersion,
      runtime: this.#d.runtime,
      settings: this.#d.settings,
      diagnose: () => this.#d.cards.request('diagnose', {}),
      recentLog: () => this.#d.log.recentLines?.() ?? [],
      redactor: this.#d.log.redactor ?? new Redactor(),
    });
    await saveDiagnosticReport(report, file);
    this.#d.log.info('diagnostic.saved', {});
  }

  /**
   * Ends the running card flow and frees the card: the user's "Annuler" in the main window ('user'), or the main
   * window gone — closed, reloaded, its event stream lost ('window-gone') — which left nobody to answer its PIN prompt.
   */
  cancelFlow(why: 'user' | 'window-gone'): void {
    if (this.#logins.cancelCardFlow()) this.#d.log.info('flow.cancel', { why });
  }

  /** Aborts a running flow (app closing), forgets sessions and tickets, and stops listening. */
  dispose(): void {
    this.#logins.dispose();
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#listeners.clear();
  }

  #onCardState(state: WatchState): void {
    this.#lastState = state;
    this.#logins.onCardState(state);
    this.#d.log.debug('card.state', { kind: state.kind, readers: state.readers.length, cards: state.cards.length });
    this.#emit('card:state', state);
  }

  #onCardService(status: CardServiceStatus): void {
    this.#serviceUp = status.up;
    if (!status.up) this.#lastState = null;
    // A fresh service process assumes a window is shown: tell it when none is.
    if (status.up && this.#visibility === 'hidden') void this.#tellVisibility();
    this.#d.log[status.crashed ? 'warn' : 'info']('card-service.status', { up: status.up, crashed: status.crashed ?? false });
    this.#emit('card:service', { up: status.up, ...(status.crashed ? { crashed: true } : {}) });
  }

  #emit<E extends AppEventName>(event: E, payload: AppEvents[E]): void {
    for (const l of this.#listeners) {
      try { l(event, payload); } catch (err) { this.#d.log.error('event.listener-failed', { event, err }); }
    }
  }

  #lang(): Lang { return this.#d.settings.get('language'); }
}
