// The main window's state: what the host told us (snapshot, live card state, flow progress) and which screen
// is shown. Components read it and call its actions; only this module talks to the host.
import type { WatchState } from '../../../protocol/card.ts';
import type { ErrorBody, Lang } from '../../../protocol/errors.ts';
import type { DoctorProfileInput } from '../../../protocol/doctor-profile.ts';
import type { AppSnapshot, FlowProgress, FlowStep, LoggedIn, Result, SettingsView } from '../../../protocol/ipc.ts';
import type { Region } from '../../../protocol/account.ts';
import { cardStatus, isUsable, readerIndexOf, selectCard } from '../lib/card-view.ts';
import { invoke, on } from '../lib/host.ts';
import { setLang, lang } from '../i18n/index.svelte.ts';
import { ERRORS, isErrorCode } from '../../../protocol/errors.ts';

export type Flow = FlowProgress['flow'];
type Place = 'home' | 'first-login';

export type Screen =
  | { name: 'home' }
  | { name: 'first-login' }
  | { name: 'settings' }
  | { name: 'working'; flow: Flow }
  | { name: 'done'; flow: Flow; result: LoggedIn }
  | { name: 'error'; flow: Flow; error: ErrorBody; from: Place; retry: (() => void) | null };

/** Errors the user fixes in the form (or elsewhere): sending the same request again would fail the same way. */
const NOT_BY_RETRYING = new Set(['CREDENTIALS_INVALID', 'PROFILE_INVALID', 'CARD_NOT_LINKED', 'ACCOUNT_EXISTS']);

const EMPTY_PROFILE: DoctorProfileInput = { specialty: '', email: '', phone: '', mobile: '', address: '', postalCode: '', city: '' };

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

  /** Kept across screens so an error → "Retour" brings the form back as the user left it. */
  username = $state('');
  password = $state('');
  profile = $state<DoctorProfileInput>({ ...EMPTY_PROFILE });

  status = $derived(cardStatus(this.watch, this.serviceUp, this.chosenReader));
  card = $derived(this.status.card);
  usable = $derived(isUsable(this.status.kind));
  busy = $derived(this.screen.name === 'working');

  async start(): Promise<void> {
    on('card:state', (s) => { this.watch = s; });
    on('card:service', (s) => { this.serviceUp = s.up; });
    on('flow:progress', (p) => { if (this.screen.name === 'working') this.step = p.step; });
    on('settings:changed', (s) => this.applySettings(s));
    const r = await invoke('app:snapshot', null);
    if (!r.ok) { this.startError = r.error; return; }
    this.snapshot = r.value;
    this.serviceUp = r.value.cardServiceUp;
    // An event may have arrived while the snapshot was on its way: it is newer, keep it.
    this.watch ??= r.value.card;
    this.applySettings(r.value.settings);
  }

  private applySettings(s: SettingsView): void {
    this.settings = s;
    setLang(s.language.value);
  }

  go(name: 'home' | 'first-login' | 'settings'): void {
    this.notice = null;
    if (name === 'home') this.password = '';
    if (name === 'first-login') void this.loadRegions();
    this.screen = { name };
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

  link(): void {
    const request = { readerIndex: this.readerIndex(), username: this.username.trim(), password: this.password };
    void this.run('link', 'first-login', () => invoke('account:link', request));
  }

  createDoctor(profile: DoctorProfileInput): void {
    const request = { readerIndex: this.readerIndex(), profile };
    void this.run('create-doctor', 'first-login', () => invoke('account:create-doctor', request));
  }

  cardLogin(): void {
    const request = { readerIndex: this.readerIndex() };
    void this.run('card-login', 'home', () => invoke('account:card-login', request));
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
  private async run(flow: Flow, from: Place, call: () => Promise<Result<LoggedIn>>): Promise<void> {
    if (this.busy) return;
    this.notice = null;
    this.step = 'challenge';
    this.screen = { name: 'working', flow };
    const r = await call();
    this.step = null;
    if (r.ok) {
      this.password = '';
      this.profile = { ...EMPTY_PROFILE };
      this.screen = { name: 'done', flow, result: r.value };
    } else if (r.error.code === 'CANCELLED') {
      this.screen = { name: from };
      this.notice = 'error.cancelled';
    } else {
      const code = r.error.code;
      const retriable = r.error.retriable ?? (isErrorCode(code) && ERRORS[code].retriable);
      const retry = retriable && !NOT_BY_RETRYING.has(code) ? () => void this.run(flow, from, call) : null;
      if (code === 'CREDENTIALS_INVALID') this.password = '';
      this.screen = { name: 'error', flow, error: r.error, from, retry };
    }
    // Tries left and lock state changed with the PIN: show them as they are now.
    void this.refresh();
  }
}

export const app = new AppState();
