// The main process's logic, one method per IPC channel (protocol/ipc.ts AppInvokes), free of Electron: the shell
// and the development bridge both host it and only differ in the ports they plug in (ports.ts).
//
// `handle(channel, payload)` is the single entry point for untrusted callers: payload checked, errors turned into
// data (Result), every outcome logged by code — never with a PIN, a password or a session.

import type { AccountPage, Region } from '../../protocol/account.ts';
import type { CardInfo, WatchState } from '../../protocol/card.ts';
import { normaliseDoctorProfile, validateDoctorProfile } from '../../protocol/doctor-profile.ts';
import { CpxError, toCpxError, type Lang } from '../../protocol/errors.ts';
import type {
  AppChannel, AppEventName, AppEvents, AppInvokes, AppSnapshot, FlowProgress, LoggedIn, Result, SettingsView,
} from '../../protocol/ipc.ts';
import { checkOrigin, isLoopback } from '../../protocol/origin.ts';
import { AccountService } from './account-service.ts';
import { cardIn, signChallenge, type SignedChallenge } from './card-auth.ts';
import { buildDiagnosticReport, reportFileName, saveDiagnosticReport } from './diagnostic-report.ts';
import { validateRequest } from './ipc-validate.ts';
import type { LogPort } from './log.ts';
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
  /** Shown by the PIN dialog as the PIN-pad countdown. */
  pinpadTimeoutMs?: number;
  now?: () => number;
}

export type AppEventListener = <E extends AppEventName>(event: E, payload: AppEvents[E]) => void;

/** Help pages the app itself links to (how to get Cryptolib CPS, unblock a card): the card issuer's site. */
export const BUILT_IN_HELP_ORIGINS: readonly string[] = ['https://industriels.esante.gouv.fr', 'https://esante.gouv.fr', 'https://www.esante.gouv.fr'];

type Flow = FlowProgress['flow'];
interface RunningFlow { readerIndex: number; cardNumber: string | null; abort: AbortController }
interface FlowSteps {
  /** Refuses early, before any PIN is asked, what the service would refuse anyway. */
  precheck?: (card: CardInfo) => void;
  /** Sends the signed challenge; answers with the account page. */
  finish: (signed: SignedChallenge) => Promise<{ account: AccountPage }>;
}

export class AppController {
  readonly #d: AppControllerDeps;
  readonly #service: AccountService;
  readonly #listeners = new Set<AppEventListener>();
  readonly #unsubscribe: (() => void)[] = [];
  #lastState: WatchState | null = null;
  #serviceUp = true;
  #flow: RunningFlow | null = null;
  /** Support links the configured service itself gave (regions): the UI may open them besides the allowed origins. */
  #serviceLinks = new Set<string>();

  constructor(deps: AppControllerDeps) {
    this.#d = deps;
    this.#service = new AccountService(deps.http, () => deps.settings.values(), deps.log);
    const onState = (state: WatchState) => this.#onCardState(state);
    const onService = (status: CardServiceStatus) => this.#onCardService(status);
    deps.cards.on('state', onState);
    deps.cards.on('service', onService);
    this.#unsubscribe.push(() => { deps.cards.off?.('state', onState); deps.cards.off?.('service', onService); });
    this.#unsubscribe.push(deps.settings.onChange((view) => this.#emit('settings:changed', view)));
  }

  /** Events for the renderer (card:state, card:service, flow:progress, settings:changed). */
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
      'account:link': (r) => this.link(r),
      'account:create-doctor': (r) => this.createDoctor(r),
      'account:card-login': (r) => this.cardLogin(r),
      'account:open-service': () => this.openService(),
      'settings:set-language': (lang) => this.setLanguage(lang),
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
    return { appVersion: this.#d.appVersion, settings: this.#d.settings.view(), card, cardServiceUp: this.#serviceUp };
  }

  async refreshCard(): Promise<WatchState> {
    const state = await this.#d.cards.request('state', {});
    this.#lastState = state;
    return state;
  }

  async regions(): Promise<Region[]> {
    const regions = await this.#service.regions();
    this.#serviceLinks = new Set(regions.flatMap((r) => [
      ...(r.support?.url ? [r.support.url] : []), ...(r.support?.email ? [`mailto:${r.support.email}`] : []),
    ]));
    return regions;
  }

  link(req: AppInvokes['account:link'][0]): Promise<LoggedIn> {
    // The password lives in this call only: masked in the log meanwhile, sent once, not kept.
    const release = this.#d.log.hold(req.password);
    return this.#runFlow('link', req.readerIndex, {
      finish: (signed) => this.#service.link(signed.token, signed.nonce, req.username, req.password),
    }).finally(release);
  }

  async createDoctor(req: AppInvokes['account:create-doctor'][0]): Promise<LoggedIn> {
    const problems = validateDoctorProfile(req.profile);
    const fields = Object.keys(problems);
    if (fields.length) throw new CpxError('PROFILE_INVALID', { detail: fields.join(', ') });
    const profile = normaliseDoctorProfile(req.profile);
    return this.#runFlow('create-doctor', req.readerIndex, {
      // Only a CPS can open the independent doctor space: said before the PIN, not after a signature for nothing.
      precheck: (card) => { if (card.cardType !== 'CPS') throw new CpxError('INDEPENDENT_DOCTOR_ONLY'); },
      finish: (signed) => this.#service.createIndependentDoctor(signed.token, signed.nonce, profile),
    });
  }

  cardLogin(req: AppInvokes['account:card-login'][0]): Promise<LoggedIn> {
    return this.#runFlow('card-login', req.readerIndex, {
      finish: async (signed) => {
        const session = await this.#service.cardLogin(signed.token, signed.nonce);
        // The account page as the service shows it now ("Mon compte"), read with the session it just gave; the
        // session itself is not handed to the renderer and is dropped with this call.
        return { account: await this.#service.me(session.session) };
      },
    });
  }

  async openService(): Promise<null> {
    const url = this.#service.baseUrl();
    await this.#d.system.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK — the configured service's address, not page input
    this.#d.log.info('service.opened', { origin: this.#service.origin() });
    return null;
  }

  async openExternal(raw: string): Promise<null> {
    await this.#d.system.openExternal(this.checkExternalLink(raw)); // eng-disable OPEN_EXTERNAL_JS_CHECK — allow-listed by checkExternalLink
    return null;
  }

  /**
   * What the system browser (or mail client) may be asked to open: https links to an allowed origin, to the card
   * issuer's help site, or to a support page the service listed, and mailto: to a support address the service listed. Loopback http is allowed
   * only for the configured service itself (the demo). Returns the normalised URL or throws.
   */
  checkExternalLink(raw: string): string {
    let url: URL;
    try { url = new URL(raw); } catch { throw new CpxError('BAD_REQUEST', { detail: 'link: not a URL' }); }
    if (url.protocol === 'mailto:') {
      if (this.#serviceLinks.has(`mailto:${url.pathname}`)) return url.href;
      throw new CpxError('ORIGIN_NOT_ALLOWED', { detail: 'mailto' });
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

  /** Aborts a running flow (app closing) and stops listening. */
  dispose(): void {
    this.#flow?.abort.abort(new CpxError('CANCELLED'));
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#listeners.clear();
  }

  async #runFlow(flow: Flow, readerIndex: number, steps: FlowSteps): Promise<LoggedIn> {
    if (this.#flow) throw new CpxError('SERVICE_BUSY');
    const running: RunningFlow = { readerIndex, cardNumber: null, abort: new AbortController() };
    this.#flow = running;
    this.#d.log.info('flow.start', { flow, readerIndex });
    try {
      this.#service.origin(); // a service IT did not allow is refused before the card is even read
      const card = await cardIn(this.#d.cards, readerIndex);
      // From here on, this card leaving the reader (or another taking its place) ends the flow.
      running.cardNumber = card.cardNumber;
      steps.precheck?.(card);
      const signed = await signChallenge({
        cards: this.#d.cards, pin: this.#d.pin, service: this.#service, log: this.#d.log,
        lang: () => this.#lang(), appVersion: this.#d.appVersion, progress: (step) => this.#progress(flow, step),
        signal: running.abort.signal, pinpadTimeoutMs: this.#d.pinpadTimeoutMs ?? 30_000, now: this.#d.now ?? Date.now,
      }, readerIndex, card);
      this.#progress(flow, 'sending');
      const result = await steps.finish(signed);
      this.#progress(flow, 'done');
      this.#d.log.info('flow.done', { flow, readerIndex, kind: result.account.kind });
      return { account: result.account, serviceUrl: this.#service.baseUrl() };
    } catch (err) {
      const e = toCpxError(err);
      this.#d.log.info('flow.failed', { flow, readerIndex, code: e.code });
      throw e;
    } finally {
      this.#flow = null;
    }
  }

  #onCardState(state: WatchState): void {
    this.#lastState = state;
    const f = this.#flow;
    if (f) {
      const present = state.cards.some((c, i) => (c.readerIndex ?? i) === f.readerIndex
        && (f.cardNumber === null || c.cardNumber === f.cardNumber));
      if (!present && !f.abort.signal.aborted) f.abort.abort(new CpxError('CARD_REMOVED'));
    }
    this.#d.log.debug('card.state', { kind: state.kind, readers: state.readers.length, cards: state.cards.length });
    this.#emit('card:state', state);
  }

  #onCardService(status: CardServiceStatus): void {
    this.#serviceUp = status.up;
    if (!status.up) this.#lastState = null;
    this.#d.log[status.crashed ? 'warn' : 'info']('card-service.status', { up: status.up, crashed: status.crashed ?? false });
    this.#emit('card:service', { up: status.up, ...(status.crashed ? { crashed: true } : {}) });
  }

  #progress(flow: Flow, step: FlowProgress['step']): void {
    this.#emit('flow:progress', { flow, step });
  }

  #emit<E extends AppEventName>(event: E, payload: AppEvents[E]): void {
    for (const l of this.#listeners) {
      try { l(event, payload); } catch (err) { this.#d.log.error('event.listener-failed', { event, err }); }
    }
  }

  #lang(): Lang { return this.#d.settings.get('language'); }
}
