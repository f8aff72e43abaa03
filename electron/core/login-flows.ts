// The logins, as the professional lives them, on top of the one card operation (sign-with-card.ts):
//
// - "Se connecter par carte CPx" in the app: PIN once, POST /api/auth/card; a linked card is logged in (the session
//   stays here, for "Ouvrir le service"), an unlinked one gets a ticket and the app shows "Première connexion".
// - "Première connexion" (Espace professionnel / Espace médecin libéral) sends the ticket with the form: a wrong
//   password, an inactive account or a form error is fixed and sent again, without another PIN.
// - A browser login: a service's page hands the app a `cpxlink:` link; parsed strictly, its origin allowed by IT,
//   or refused before any request. The app says who asks before the PIN, signs that transaction's challenge,
//   completes it, and opens the one-time completion URL in the default browser — the browser that started it,
//   holding its transaction cookie, is the only one it logs in (a relayed link logs nobody in).
// - "Ouvrir le service": a one-time handoff URL from the session kept here, so the browser opens logged in; without a
//   session, the service's login page.

import { issuedByTrusted, type AccountPage, type CardAuthResult, type LinkTicket, type SessionResult, type TransactionResult } from '../../protocol/account.ts';
import type { CardInfo, WatchState } from '../../protocol/card.ts';
import { findLoginLinkArg, parseLoginLink, type LoginLink } from '../../protocol/deep-link.ts';
import { normaliseDoctorProfile, validateDoctorProfile } from '../../protocol/doctor-profile.ts';
import { PINPAD_TIMEOUT_MS } from '../../protocol/card-service.ts';
import { CpxError, toCpxError, type Lang } from '../../protocol/errors.ts';
import type {
  AppEvents, BrowserLoginState, CardLoginOutcome, CreateDoctorRequest, Flow, FlowStep, LinkRequest, LoggedIn, Requester,
} from '../../protocol/ipc.ts';
import { checkOrigin } from '../../protocol/origin.ts';
import type { AccountService } from './account-service.ts';
import type { LogPort } from './log.ts';
import { expiryOf, LoginState, type HeldTicket } from './login-state.ts';
import type { CardsPort, PinPromptPort, SystemPort } from './ports.ts';
import { managePinWithCard, type ManagementPurpose } from './pin-management-flow.ts';
import { cardIn, signWithCard, type SigningContext } from './sign-with-card.ts';
import type { PinManagementOutcome } from '../../protocol/ipc.ts';

export interface LoginFlowsDeps {
  cards: CardsPort;
  pin: PinPromptPort;
  log: LogPort;
  service: AccountService;
  system: SystemPort;
  lang: () => Lang;
  /** The configured service's name as users know it (the serviceName setting), or null. */
  serviceName: () => string | null;
  appVersion: string;
  pinPromptTimeoutMs: number;
  now: () => number;
  emit: <E extends 'flow:progress' | 'browser:login'>(event: E, payload: AppEvents[E]) => void;
  /** The card watcher's latest news (null before the first): lets the PIN window open before the card is read again. */
  lastState: () => WatchState | null;
}

interface RunningCardFlow { readerIndex: number | null; cardNumber: string | null; abort: AbortController }
interface CardStep { card: CardInfo; readerIndex: number; signal: AbortSignal; progress: (step: FlowStep) => void }

export class LoginFlows {
  readonly #d: LoginFlowsDeps;
  readonly #held: LoginState;
  #cardFlow: RunningCardFlow | null = null;
  /** A first login being sent: one at a time (a double click must not send the ticket twice). */
  #sending = false;
  #browser: BrowserLoginState | null = null;
  #lastLink: { id: number; link: LoginLink } | null = null;
  #linkCount = 0;

  constructor(deps: LoginFlowsDeps) {
    this.#d = deps;
    this.#held = new LoginState(deps.log, deps.now);
  }

  /** The latest browser login, for a window that opens after it started. */
  get browserLogin(): BrowserLoginState | null { return this.#browser; }

  // ---- the app's own card login ------------------------------------------------------------------------------

  async cardLogin(readerIndex: number): Promise<CardLoginOutcome> {
    // A service IT did not allow is refused before the card is even read.
    const origin = this.#d.service.origin();
    const base = this.#d.service.baseUrl();
    return this.#runCardFlow('card-login', readerIndex, async ({ card, readerIndex: reader, signal, progress }) => {
      await this.#acceptedBy(base, card);
      const requester: Requester = { name: this.#d.serviceName(), origin };
      const signed = await signWithCard(this.#signing(), {
        readerIndex: reader, card, origin, requester, challenge: () => this.#d.service.challenge(), progress, signal,
      });
      progress('sending');
      const result = await this.#d.service.cardAuth(signed.token, signed.nonce, card.cardNumber);
      const outcome = await this.#afterCardAuth(result, base, card.cardNumber);
      progress('done');
      return outcome;
    });
  }

  // ---- the card's own PIN management: "Changer le code PIN", "Débloquer avec le code PUK" ------------------------

  /** A card operation like a login (one at a time, ended by the card leaving or "Annuler"), with no service at all. */
  managePin(purpose: ManagementPurpose, readerIndex: number): Promise<PinManagementOutcome> {
    return this.#runCardFlow(purpose === 'change' ? 'pin-change' : 'pin-unblock', readerIndex,
      (step) => managePinWithCard(this.#signing(), purpose, step));
  }

  // ---- "Première connexion": the ticket, no PIN ---------------------------------------------------------------

  link(req: LinkRequest): Promise<LoggedIn> {
    // The password lives in this call only: masked in the log meanwhile, sent once, not kept.
    const release = this.#d.log.hold(req.password);
    return this.#firstLogin('link', (t) => this.#d.service.link(t.base, t.ticket, req.username, req.password)).finally(release);
  }

  createDoctor(req: CreateDoctorRequest): Promise<LoggedIn> {
    const fields = Object.keys(validateDoctorProfile(req.profile));
    if (fields.length) return Promise.reject(new CpxError('PROFILE_INVALID', { detail: fields.join(', ') }));
    const profile = normaliseDoctorProfile(req.profile);
    return this.#firstLogin('create-doctor', (t) => {
      // Said before anything is sent: only a CPS doctor opens the independent doctor space.
      if (!t.view.independentDoctorAllowed) throw new CpxError('INDEPENDENT_DOCTOR_ONLY');
      return this.#d.service.createIndependentDoctor(t.base, t.ticket, profile);
    });
  }

  /** "Retour" from Première connexion: the ticket is forgotten, and a browser login waiting for it ends. */
  cancelFirstLogin(): void {
    const dropped = this.#held.dropTicket();
    if (dropped?.browser) this.#browserFailed(dropped.browser.id, dropped.browser.requester, new CpxError('CANCELLED'));
  }

  async #firstLogin(flow: Flow, send: (t: HeldTicket) => Promise<SessionResult>): Promise<LoggedIn> {
    const held = this.#held.ticket();
    if (!held) throw new CpxError('TICKET_INVALID');
    if (this.#sending || this.#cardFlow) throw new CpxError('SERVICE_BUSY');
    this.#sending = true;
    this.#d.log.info('flow.start', { flow });
    try {
      this.#d.emit('flow:progress', { flow, step: 'sending' });
      const result = await send(held);
      this.#held.dropTicket();
      const loggedIn = await this.#loggedIn(result, held.base, held.cardNumber, held.browser);
      this.#d.emit('flow:progress', { flow, step: 'done' });
      this.#d.log.info('flow.done', { flow, kind: result.account.kind, browser: held.browser !== null });
      return loggedIn;
    } catch (err) {
      const e = toCpxError(err);
      this.#d.log.info('flow.failed', { flow, code: e.code });
      // Used up or expired on the service's side: forgotten here too (a form error keeps it, to fix and resend).
      if (e.code === 'TICKET_INVALID') this.cancelFirstLogin();
      throw e;
    } finally {
      this.#sending = false;
    }
  }

  // ---- browser login through a cpxlink: link ----------------------------------------------------------------

  /** A second instance's arguments (Windows, Linux, the bridge's --open): null when none of them is a link. */
  openLoginLinkFromArgv(argv: readonly string[]): BrowserLoginState | null {
    const raw = findLoginLinkArg(argv);
    return raw === null ? null : this.openLoginLink(raw);
  }

  /**
   * A link from the OS. Checked entirely before anything else happens: a malformed link or an origin IT did not allow
   * is refused here, with no request to anyone. Otherwise the login runs on its own and reports through events.
   */
  openLoginLink(raw: unknown): BrowserLoginState {
    const id = ++this.#linkCount;
    let link: LoginLink;
    try {
      link = parseLoginLink(raw);
    } catch (err) {
      return this.#browserFailed(id, null, toCpxError(err));
    }
    try {
      this.#d.service.allowedOrigin(link.origin);
    } catch (err) {
      return this.#browserFailed(id, { name: null, origin: link.origin }, toCpxError(err));
    }
    this.#lastLink = { id, link };
    return this.#startBrowserLogin(id, link);
  }

  /** "Réessayer" after a failure that may pass the second time (no card yet, cancelled, service busy…). */
  retryBrowserLogin(): void {
    const b = this.#browser;
    const last = this.#lastLink;
    if (!b || b.status !== 'failed' || !b.canRetry || !last || last.id !== b.id) throw new CpxError('TRANSACTION_UNKNOWN');
    const id = ++this.#linkCount;
    this.#lastLink = { id, link: last.link };
    this.#startBrowserLogin(id, last.link);
  }

  #startBrowserLogin(id: number, link: LoginLink): BrowserLoginState {
    const requester: Requester = { name: null, origin: link.origin };
    const state = this.#setBrowser({ id, requester, status: 'running' });
    this.#d.log.info('browser-login.start', { id, origin: link.origin });
    void this.#runBrowserLogin(id, link).catch((err: unknown) => {
      this.#browserFailed(id, this.#browser?.id === id ? this.#browser.requester : requester, toCpxError(err));
    });
    return state;
  }

  async #runBrowserLogin(id: number, link: LoginLink): Promise<void> {
    const { service } = this.#d;
    const base = service.baseFor(link.origin);
    // Fetched while the card is read (and the PIN window opens): who asks must be known before the PIN is asked.
    const first = service.transactionChallenge(base, link.transaction);
    first.catch(() => {});
    let fetched = false;
    const challenge = async () => {
      if (fetched) return service.transactionChallenge(base, link.transaction);
      fetched = true;
      return first;
    };
    await this.#runCardFlow('browser-login', 'any', async ({ card, readerIndex, signal, progress }) => {
      const c = await first;
      const requester: Requester = { name: c.service.name.trim(), origin: link.origin };
      this.#setBrowser({ id, requester, status: 'running' });
      await this.#acceptedBy(base, card);
      const signed = await signWithCard(this.#signing(), { readerIndex, card, origin: link.origin, requester, challenge, progress, signal });
      progress('sending');
      const result = await service.transactionComplete(base, link.transaction, signed.token, signed.nonce, card.cardNumber);
      await this.#afterTransaction(result, id, requester, base, card.cardNumber);
      progress('done');
    });
  }

  async #afterTransaction(result: TransactionResult, id: number, requester: Requester, base: string, cardNumber: string): Promise<void> {
    if (result.status === 'link-required') {
      this.#holdTicket(result, base, cardNumber, { id, requester });
      this.#setBrowser({ id, requester, status: 'first-login', firstLogin: this.#held.ticket()!.view });
      return;
    }
    await this.#openInBrowser(result.completeUrl, requester.origin);
    this.#browserDone(id, requester, result.account);
  }

  /** The completion URL goes to the default browser only if it belongs to the service that asked. */
  async #openInBrowser(url: string, origin: string): Promise<void> {
    await this.#d.system.openExternal(sameOriginUrl(url, origin)); // eng-disable OPEN_EXTERNAL_JS_CHECK — sameOriginUrl: the asking service's origin only
    this.#d.log.info('browser-login.opened', { origin });
  }

  #browserDone(id: number, requester: Requester, account: AccountPage): void {
    this.#setBrowser({ id, requester, status: 'done', account });
    this.#d.log.info('browser-login.done', { id, origin: requester.origin, kind: account.kind });
  }

  #browserFailed(id: number, requester: Requester | null, e: CpxError): BrowserLoginState {
    this.#d.log.info('browser-login.failed', { id, code: e.code, origin: requester?.origin ?? null });
    return this.#setBrowser({ id, requester, status: 'failed', error: e.toBody(this.#d.lang()), canRetry: e.retriable });
  }

  #setBrowser(state: BrowserLoginState): BrowserLoginState {
    // A late report of an older login never overwrites a newer one.
    if (this.#browser && this.#browser.id > state.id) return state;
    this.#browser = state;
    this.#d.emit('browser:login', state);
    return state;
  }

  // ---- "Ouvrir le service" -------------------------------------------------------------------------------------

  async openService(): Promise<void> {
    const { service, system, log } = this.#d;
    const held = this.#held.session();
    if (held) {
      try {
        const handoff = await service.browserHandoff(held.base, held.session);
        await system.openExternal(sameOriginUrl(handoff.url, new URL(held.base).origin)); // eng-disable OPEN_EXTERNAL_JS_CHECK — sameOriginUrl: the configured service's origin only
        log.info('service.opened', { origin: new URL(held.base).origin, loggedIn: true });
        return;
      } catch (err) {
        if (toCpxError(err).code !== 'SESSION_INVALID') throw err;
        this.#held.dropSession();
      }
    }
    // No session (or an expired one): the service's own login page, where "Se connecter par carte CPx" is.
    await system.openExternal(`${service.baseUrl()}/`); // eng-disable OPEN_EXTERNAL_JS_CHECK — the configured service's own address, checked by settings
    log.info('service.opened', { origin: service.origin(), loggedIn: false });
  }

  // ---- shared --------------------------------------------------------------------------------------------------

  async #afterCardAuth(result: CardAuthResult, base: string, cardNumber: string): Promise<CardLoginOutcome> {
    if (result.status === 'link-required') {
      this.#holdTicket(result, base, cardNumber, null);
      return { status: 'link-required', firstLogin: this.#held.ticket()!.view };
    }
    return { status: 'logged-in', ...await this.#loggedIn(result, base, cardNumber, null) };
  }

  #holdTicket(t: LinkTicket, base: string, cardNumber: string, browser: HeldTicket['browser']): void {
    this.#held.holdTicket({
      ticket: t.ticket, base, cardNumber, expiresAt: expiryOf(t.expiresAt), browser,
      view: { holder: t.holder, independentDoctorAllowed: t.independentDoctorAllowed === true, expiresAt: t.expiresAt,
        browser: browser?.requester ?? null },
    });
  }

  /** A session from the service: kept here; a browser login it finishes is completed in the default browser. */
  async #loggedIn(result: SessionResult, base: string, cardNumber: string, browser: HeldTicket['browser']): Promise<LoggedIn> {
    if (typeof result.session === 'string' && result.session) {
      this.#held.holdSession({ session: result.session, base, cardNumber, expiresAt: expiryOf(result.expiresAt) });
    }
    if (browser) {
      try {
        if (!result.completeUrl) throw new CpxError('INTERNAL_ERROR', { detail: 'no completion URL for the browser' });
        await this.#openInBrowser(result.completeUrl, browser.requester.origin);
        this.#browserDone(browser.id, browser.requester, result.account);
      } catch (err) {
        this.#browserFailed(browser.id, browser.requester, toCpxError(err));
        throw err;
      }
    }
    return { account: result.account, serviceUrl: base, browser: browser?.requester ?? null };
  }

  /** A card whose authentication certificate the service will refuse is said so before its PIN is asked. */
  async #acceptedBy(base: string, card: CardInfo): Promise<void> {
    const issuer = card.certificates.find((c) => c.role === 'authentication')?.issuer;
    const trust = issuer ? await this.#d.service.trust(base) : null;
    if (trust && issuer && !issuedByTrusted(trust, issuer)) {
      this.#d.log.info('card.not-accepted', { origin: new URL(base).origin, testCards: trust.testCards });
      throw new CpxError('CARD_NOT_ACCEPTED', { detail: issuer });
    }
  }

  #signing(): SigningContext {
    const d = this.#d;
    return { cards: d.cards, pin: d.pin, log: d.log, lang: d.lang, appVersion: d.appVersion, pinpadTimeoutMs: PINPAD_TIMEOUT_MS,
      pinPromptTimeoutMs: d.pinPromptTimeoutMs, now: d.now };
  }

  /** One card operation at a time; the card leaving the reader (onCardState) aborts it. */
  async #runCardFlow<T>(flow: Flow, reader: number | 'any', body: (step: CardStep) => Promise<T>): Promise<T> {
    if (this.#cardFlow || this.#sending) throw new CpxError('SERVICE_BUSY');
    const running: RunningCardFlow = { readerIndex: null, cardNumber: null, abort: new AbortController() };
    this.#cardFlow = running;
    this.#d.log.info('flow.start', { flow, reader });
    // The PIN window opens while the card is read and the challenge is on its way, not after: it shows the question
    // the moment it comes. Only when the watcher already sees a card that can take a PIN (else no window flashes).
    let prepared = false;
    const prepare = () => { if (!prepared) { prepared = true; this.#d.pin.prepare?.(); } };
    if (canTakePin(this.#d.lastState()?.cards.find((c, i) => reader === 'any' || (c.readerIndex ?? i) === reader))) prepare();
    try {
      const { card, readerIndex } = reader === 'any' ? await usableCard(this.#d.cards) : { card: await cardIn(this.#d.cards, reader), readerIndex: reader };
      // From here on, this card leaving the reader (or another taking its place) ends the flow.
      running.readerIndex = readerIndex;
      running.cardNumber = card.cardNumber;
      if (canTakePin(card)) prepare();
      const result = await body({ card, readerIndex, signal: running.abort.signal, progress: (step) => this.#d.emit('flow:progress', { flow, step }) });
      this.#d.log.info('flow.done', { flow, readerIndex });
      return result;
    } catch (err) {
      const e = toCpxError(err);
      this.#d.log.info('flow.failed', { flow, code: e.code });
      throw e;
    } finally {
      this.#cardFlow = null;
      // Closed however the flow ended, asked or not (signWithCard closes it too once its question is answered).
      this.#d.pin.close?.();
    }
  }

  /** The card watcher's news: a flow whose card left stops; what belonged to a card no longer present is forgotten. */
  onCardState(state: WatchState): void {
    const f = this.#cardFlow;
    if (f && f.readerIndex !== null) {
      const present = state.cards.some((c, i) => (c.readerIndex ?? i) === f.readerIndex && c.cardNumber === f.cardNumber);
      if (!present && !f.abort.signal.aborted) f.abort.abort(new CpxError('CARD_REMOVED'));
    }
    const dropped = this.#held.keepOnly(new Set(state.cards.map((c) => c.cardNumber)));
    if (dropped?.browser) this.#browserFailed(dropped.browser.id, dropped.browser.requester, new CpxError('CARD_REMOVED'));
  }

  /**
   * "Annuler" in the main window, or the window that showed the flow went away (closed, reloaded): the running card
   * flow ends now and frees the card — its PIN prompt closes, nothing more is sent. False when none was running.
   */
  cancelCardFlow(): boolean {
    const f = this.#cardFlow;
    if (!f || f.abort.signal.aborted) return false;
    f.abort.abort(new CpxError('CANCELLED'));
    return true;
  }

  dispose(): void {
    this.#cardFlow?.abort.abort(new CpxError('CANCELLED'));
    this.#held.clear();
  }
}

function canTakePin(card: CardInfo | undefined): boolean {
  return !!card?.holder && !card.pin.locked && card.pin.triesLeft > 0;
}

/** The card a browser login uses: the first one that can log in (holder read, not blocked), else the first one. */
async function usableCard(cards: CardsPort): Promise<{ card: CardInfo; readerIndex: number }> {
  const list = await cards.request('cards', {});
  const withIndex = list.map((card, i) => ({ card, readerIndex: card.readerIndex ?? i }));
  const pick = withIndex.find((c) => canTakePin(c.card)) ?? withIndex[0];
  if (!pick) throw new CpxError('NO_CARD');
  return pick;
}

/** `raw` as an absolute URL on `origin` (the service that asked), or INVALID_ORIGIN: nothing else is opened. */
export function sameOriginUrl(raw: string, origin: string): string {
  let url: URL;
  try { url = new URL(raw); } catch { throw new CpxError('INVALID_ORIGIN', { detail: 'completion URL' }); }
  if (url.username || url.password) throw new CpxError('INVALID_ORIGIN', { detail: url.host });
  if (checkOrigin(url.origin) !== checkOrigin(origin)) throw new CpxError('INVALID_ORIGIN', { detail: url.origin.slice(0, 100) });
  return url.href;
}
