// The main window's state: what the host told us (snapshot, live card state, flow progress) and which screen
// is shown. Components read it and call its actions; only this module talks to the host.
import type { WatchState } from '../../../protocol/card.ts';
import type { ErrorBody, Lang } from '../../../protocol/errors.ts';
import { emptyDoctorProfile, type DoctorProfileInput } from '../../../protocol/doctor-profile.ts';
import type {
  AppSnapshot, BrowserLoginState, CardLoginOutcome, Flow, FirstLoginView, FlowStep, LoggedIn, LoginFlow, PinFlow,
  PinManagementOutcome, Result, SettingsView,
} from '../../../protocol/ipc.ts';
import { regionIn, type Region } from '../../../protocol/account.ts';
import { cardStatus, isUsable, readerIndexOf, selectCard } from '../lib/card-view.ts';
import { invoke, on } from '../lib/host.ts';
import { setLang, lang } from '../i18n/index.svelte.ts';
import { browserLoginRoute, cardFailure, firstLoginFailure } from './outcomes.ts';

export type { Flow };

export type Screen =
  | { name: 'home' }
  | { name: 'first-login'; view: FirstLoginView }
  | { name: 'settings' }
  | { name: 'working'; flow: Flow }
  | { name: 'done'; flow: LoginFlow; result: LoggedIn }
  | { name: 'pin-done'; flow: PinFlow; result: PinManagementOutcome }
  | { name: 'browser'; state: BrowserLoginState }
  | { name: 'error'; flow: Flow; error: ErrorBody; retry: (() => void) | null };

class AppState {
  snapshot = $state<AppSnapshot | null>(null);
  watch = $state<WatchState | null>(null);
  serviceUp = $state(true);
  settings = $state<SettingsView | null>(null);
  startError = $state<ErrorBody | null>(null);
  step = $state<FlowStep | null>(null);
  refreshing = $state(false);
  chosenReader = $state<number | null>(null);
  screen = $state<Screen>({ name: 'home' });
  /** Set after a cancelled flow: a short, non-alarming note where the user was. */
  notice = $state<string | null>(null);
  regions = $state<Region[] | null>(null);
  regionsFailed = $state(false);
  regionId = $state<string>('');
  diagnosticPath = $state<string | null>(null);

  /** "Première connexion": the form as the user left it, and what the service said about the last try. */
  username = $state('');
  password = $state('');
  profile = $state<DoctorProfileInput>(emptyDoctorProfile());
  firstLoginError = $state<ErrorBody | null>(null);
  /** A first login is on its way to the service (no PIN: the ticket is in the host). */
  sending = $state(false);
  /** The browser login the user ended here ("Retour"): its closing report is not news to them. */
  private quietBrowserId = 0;

  status = $derived(cardStatus(this.watch, this.serviceUp, this.chosenReader));
  card = $derived(this.status.card);
  usable = $derived(isUsable(this.status.kind));
  /** The blocked-card help lives in the card panel while the card shows blocked; an error screen shows it only otherwise. */
  blockedHelpShown = $derived(this.status.kind === 'blocked' && this.screen.name !== 'settings');
  /** The chosen region, in the UI's language. */
  region = $derived.by(() => {
    const r = this.regions?.find((x) => x.id === this.regionId);
    return r ? regionIn(r, lang()) : null;
  });
  busy = $derived(this.screen.name === 'working' || this.sending || (this.screen.name === 'browser' && this.screen.state.status === 'running'));

  async start(): Promise<void> {
    on('card:state', (s) => { this.watch = s; });
    on('card:service', (s) => { this.serviceUp = s.up; });
    on('flow:progress', (p) => { if (this.screen.name === 'working' || this.screen.name === 'browser') this.step = p.step; });
    on('browser:login', (s) => this.onBrowserLogin(s));
    on('settings:changed', (s) => this.applySettings(s));
    const r = await invoke('app:snapshot', null);
    if (!r.ok) { this.startError = r.error; return; }
    this.snapshot = r.value;
    this.serviceUp = r.value.cardServiceUp;
    // An event may have arrived while the snapshot was on its way: it is newer, keep it.
    this.watch ??= r.value.card;
    this.applySettings(r.value.settings);
    // Opened by a service's link (the app was not running): say at once where that login stands.
    if (r.value.browserLogin && this.screen.name === 'home') this.onBrowserLogin(r.value.browserLogin);
  }

  /** A login a service's page started: the window shows who asks, where it stands, and how it ended. */
  private onBrowserLogin(s: BrowserLoginState): void {
    const route = browserLoginRoute(s, { quietUpTo: this.quietBrowserId, sending: this.sending,
      showingBrowserDone: this.screen.name === 'done' && !!this.screen.result.browser, working: this.screen.name === 'working' });
    if (route === 'ignore') return;
    if (route === 'busy-notice') { this.notice = 'browser.busyNotice'; return; }
    this.notice = null;
    if (route === 'first-login' && s.firstLogin) {
      this.openFirstLogin(s.firstLogin, s.id);
      return;
    }
    if (s.status === 'running') this.step ??= 'challenge';
    this.screen = { name: 'browser', state: s };
  }

  private applySettings(s: SettingsView): void {
    this.settings = s;
    setLang(s.language.value);
  }

  go(name: 'home' | 'settings'): void {
    // Leaving Première connexion (the menu) ends it, as "Retour" does: the host forgets the ticket.
    if (this.screen.name === 'first-login') {
      this.quietBrowserId = Math.max(this.quietBrowserId, this.browserIdOfFirstLogin);
      void invoke('account:first-login-cancel', null);
    }
    this.notice = null;
    if (name === 'home') this.password = '';
    this.screen = { name };
  }

  private browserIdOfFirstLogin = 0;

  private openFirstLogin(view: FirstLoginView, browserId = 0): void {
    this.firstLoginError = null;
    this.browserIdOfFirstLogin = browserId;
    void this.loadRegions();
    this.screen = { name: 'first-login', view };
  }

  /** "Retour" from Première connexion: the host forgets the ticket (a browser waiting for it is told it ended). */
  cancelFirstLogin(): void {
    this.go('home');
    this.notice = 'first.cancelled';
  }

  chooseReader(index: number): void {
    this.chosenReader = index;
  }

  readerIndex(): number {
    const card = selectCard(this.watch, this.chosenReader);
    return card ? readerIndexOf(card, this.watch) : (this.chosenReader ?? 0);
  }

  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const r = await invoke('card:refresh', null);
      if (r.ok) this.watch = r.value;
    } finally {
      this.refreshing = false;
    }
  }

  async switchLanguage(): Promise<void> {
    const next: Lang = lang() === 'fr' ? 'en' : 'fr';
    setLang(next);
    const r = await invoke('settings:set-language', next);
    if (r.ok) this.settings = r.value;
  }

  async loadRegions(): Promise<void> {
    if (this.regions) return;
    this.regionsFailed = false;
    const r = await invoke('account:regions', null);
    if (!r.ok) { this.regionsFailed = true; return; }
    this.regions = r.value;
    const wanted = this.settings?.region.value;
    const match = r.value.find((x) => x.id === wanted || x.name === wanted);
    this.regionId = (match ?? r.value[0])?.id ?? '';
  }

  /** The region the user picked: shown now, remembered for next time (the host refuses it when IT set one by policy). */
  chooseRegion(id: string): void {
    this.regionId = id;
    void invoke('settings:set-region', id).then((r) => { if (r.ok) this.settings = r.value; });
  }

  link(): void {
    const request = { username: this.username.trim(), password: this.password };
    void this.sendFirstLogin('link', () => invoke('account:link', request));
  }

  createDoctor(profile: DoctorProfileInput): void {
    void this.sendFirstLogin('create-doctor', () => invoke('account:create-doctor', { profile }));
  }

  /** "Se connecter par carte CPx": the PIN once; then logged in, or "Première connexion" for a card not linked yet. */
  cardLogin(): void {
    const request = { readerIndex: this.readerIndex() };
    void this.runCard('card-login', () => invoke('account:card-login', request), (outcome: CardLoginOutcome) => {
      if (outcome.status === 'link-required') this.openFirstLogin(outcome.firstLogin);
      else this.screen = { name: 'done', flow: 'card-login', result: outcome };
    });
  }

  /** "Changer le code PIN": the codes are typed in the PIN window; success says the new PIN is in force. */
  changePin(): void {
    this.managePin('pin-change', 'card:change-pin');
  }

  /** "Débloquer avec le code PUK": the PUK and the new PIN twice in the PIN window. */
  unblockPin(): void {
    this.managePin('pin-unblock', 'card:unblock-pin');
  }

  private managePin(flow: PinFlow, channel: 'card:change-pin' | 'card:unblock-pin'): void {
    const request = { readerIndex: this.readerIndex() };
    void this.runCard(flow, () => invoke(channel, request), (result: PinManagementOutcome) => {
      this.screen = { name: 'pin-done', flow, result };
    });
  }

  /** "Réessayer" on a failed browser login: the same link again. */
  async retryBrowserLogin(): Promise<void> {
    const r = await invoke('browser:retry', null);
    if (!r.ok) this.screen = { name: 'error', flow: 'browser-login', error: r.error, retry: null };
  }

  /** "Annuler" while a card flow runs: the host ends it (its PIN window closes) and the flow reports CANCELLED. */
  async cancelFlow(): Promise<void> {
    await invoke('flow:cancel', null);
  }

  async openService(): Promise<void> {
    await invoke('account:open-service', null);
  }

  async openExternal(url: string): Promise<void> {
    await invoke('link:open-external', url);
  }

  async saveDiagnostic(): Promise<void> {
    const r = await invoke('diagnostic:save', null);
    this.diagnosticPath = r.ok && r.value ? r.value.path : null;
  }

  /** One card operation: progress while it runs, then its result or its error, in words, with retry when it makes sense. */
  private async runCard<T>(flow: Flow, call: () => Promise<Result<T>>, shown: (value: T) => void): Promise<void> {
    if (this.busy) return;
    this.notice = null;
    this.step = 'challenge';
    this.screen = { name: 'working', flow };
    const r = await call();
    this.step = null;
    if (r.ok) shown(r.value);
    else {
      const failure = cardFailure(r.error);
      if (failure.show === 'home-notice') {
        this.screen = { name: 'home' };
        this.notice = 'error.cancelled';
      } else {
        this.screen = { name: 'error', flow, error: r.error, retry: failure.retry ? () => void this.runCard(flow, call, shown) : null };
      }
    }
    // Tries left and lock state changed with the PIN: show them as they are now.
    void this.refresh();
  }

  /**
   * "Première connexion" sent with the ticket the host keeps: no PIN. A wrong password, an inactive account or a form
   * error is said on the form itself, to fix and send again; a ticket that is no longer valid sends the user back.
   */
  private async sendFirstLogin(flow: LoginFlow, call: () => Promise<Result<LoggedIn>>): Promise<void> {
    if (this.sending || this.screen.name !== 'first-login') return;
    this.sending = true;
    this.firstLoginError = null;
    const r = await call().finally(() => { this.sending = false; });
    if (r.ok) {
      this.password = '';
      this.profile = emptyDoctorProfile();
      this.quietBrowserId = Math.max(this.quietBrowserId, this.browserIdOfFirstLogin);
      this.screen = { name: 'done', flow, result: r.value };
    } else {
      const failure = firstLoginFailure(r.error);
      if (failure.show === 'error' || failure.clearPassword) this.password = '';
      if (failure.show === 'error') this.screen = { name: 'error', flow, error: r.error, retry: null };
      else this.firstLoginError = r.error;
    }
  }
}

export const app = new AppState();
