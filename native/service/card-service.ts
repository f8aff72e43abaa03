// The card service: owns the PKCS#11 module in its own process. One controller, one handler per request
// (handlers/), one lock so a module sees one operation at a time, and a watcher that pushes state changes: a cheap
// look at the readers on a schedule that depends on whether the app is in front (watch-schedule.ts, reader-look.ts),
// and a full read only when something may have changed.

import { realpathSync } from 'node:fs';
import type {
  CardServiceMethod, CardServiceOptions, ModuleDiagnosis, ServiceEvent, ServiceRequest, ServiceResponse,
} from '../../protocol/card-service.ts';
import type { WatchState } from '../../protocol/card.ts';
import { CpxError, toCpxError, type Lang } from '../../protocol/errors.ts';
import { moduleCandidates, type ModuleCandidate } from '../pkcs11/candidates.ts';
import { LoadedModule } from '../pkcs11/module-host.ts';
import { noModuleError, realProbeDeps, selectModule } from '../pkcs11/probe.ts';
import { CardStore, type Snapshot } from './card-store.ts';
import { handlers, type Handler } from './handlers/index.ts';
import { OperationLock } from './operation-lock.ts';
import { ReaderLook } from './reader-look.ts';
import { WATCH, WatchSchedule } from './watch-schedule.ts';
import { noModuleState, sameState, stateFromSnapshot } from './watch-state.ts';

/** Without a module, look for one again this often (a Cryptolib installed while the app runs). */
const RESELECT_MS = 10_000;
/** Requests that are not the app using the card (they do not make the watcher look faster). */
const NOT_A_FLOW = new Set<string>(['visibility', 'shutdown', 'cancel']);

export interface ServiceSystem {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  arch: string;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export interface PendingAuth { cancelled: boolean }

export class CardService {
  readonly lock = new OperationLock();
  readonly store = new CardStore();
  readonly lang: Lang;
  readonly appVersion: string;
  readonly schedule: WatchSchedule;
  readonly look: ReaderLook;
  readonly pending = new Set<PendingAuth>();
  module: LoadedModule | null = null;
  candidate: ModuleCandidate | null = null;
  diagnoses: ModuleDiagnosis[] = [];
  lastState: WatchState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = -1;
  /** A full read started by the timer is running: the timer is re-armed when it ends. */
  private ticking = false;
  private lastReselect = 0;
  private stopped = false;

  constructor(readonly options: CardServiceOptions, readonly emit: (ev: ServiceEvent) => Promise<void>, readonly sys: ServiceSystem) {
    this.lang = options.lang ?? 'fr';
    this.appVersion = options.appVersion ?? '0.0.0';
    this.schedule = new WatchSchedule(Math.max(10, options.pollMs ?? WATCH.activeCheckMs));
    this.look = new ReaderLook((message) => sys.log('info', message));
  }

  candidates(): ModuleCandidate[] {
    // A module set by a managed policy is the only one allowed (IT pinned it); CPX_PKCS11_MODULE_ONLY=1 does
    // the same for the environment variable (support sessions, tests).
    const explicit = this.options.modulePath
      ? { path: this.options.modulePath, source: this.options.modulePathSource === 'policy' ? 'policy' as const : 'setting' as const }
      : null;
    const all = moduleCandidates({ platform: this.sys.platform, arch: this.sys.arch, env: this.sys.env, explicit });
    if (explicit?.source === 'policy') return all.filter((c) => c.source === 'policy');
    if (!explicit && this.sys.env.CPX_PKCS11_MODULE_ONLY === '1' && this.sys.env.CPX_PKCS11_MODULE) {
      return all.filter((c) => c.source === 'environment');
    }
    return all;
  }

  /** The loaded module, selecting one if none is loaded yet. */
  ensureModule(): LoadedModule | null {
    if (this.module) return this.module;
    const sel = selectModule(this.candidates(), { ...realProbeDeps, open: (p) => LoadedModule.open(p) }, this.lang);
    this.diagnoses = sel.diagnoses;
    this.module = sel.module;
    this.candidate = sel.candidate;
    if (sel.module) this.sys.log('info', `module ${sel.module.path}: ${sel.module.info.description} ${sel.module.info.version}`);
    return this.module;
  }

  /** The module, or the CpxError that says why there is none. */
  requireModule(): LoadedModule {
    const m = this.ensureModule();
    if (!m) throw noModuleError(this.diagnoses);
    return m;
  }

  isActiveModule(path: string): boolean {
    if (!this.module) return false;
    const real = (p: string) => { try { return realpathSync(p); } catch { return p; } };
    return real(path) === real(this.module.path);
  }

  /** Reads the readers now. Call with the lock held. */
  async readState(): Promise<{ state: WatchState; snap: Snapshot | null }> {
    const m = this.ensureModule();
    if (!m) return { state: noModuleState(this.diagnoses, this.lang), snap: null };
    this.look.beforeFullRead(m);
    const snap = await this.store.snapshot(m);
    this.look.afterFullRead(m, snap.slots);
    this.schedule.fullReadDone();
    return { state: stateFromSnapshot(snap, this.lastState), snap };
  }

  /** Pushes the state when it differs from the last one pushed. */
  async publish(state: WatchState): Promise<void> {
    if (sameState(this.lastState, state)) return;
    this.lastState = state;
    await this.emit({ event: 'state', state });
  }

  async refresh(): Promise<{ state: WatchState; snap: Snapshot | null }> {
    const r = await this.readState();
    await this.publish(r.state);
    return r;
  }

  async handle(req: ServiceRequest): Promise<ServiceResponse> {
    const handler = (handlers as Record<string, Handler<CardServiceMethod> | undefined>)[req.method];
    // Logged by name and number only: parameters may hold a PIN.
    this.sys.log('debug', `#${req.seq} ${String(req.method)}`);
    if (!NOT_A_FLOW.has(req.method)) this.noteFlow();
    try {
      if (!handler) throw new CpxError('BAD_REQUEST', { detail: `unknown method ${String(req.method)}` });
      const result = await handler.run(this, (req.params ?? {}) as never);
      this.sys.log('debug', `#${req.seq} ok`);
      return { seq: req.seq, ok: true, result } as ServiceResponse;
    } catch (err) {
      const e = toCpxError(err);
      this.sys.log(e.code === 'INTERNAL_ERROR' ? 'error' : 'debug', `#${req.seq} ${e.code}${e.cause instanceof Error ? ` (${e.cause.message.slice(0, 80)})` : ''}`);
      if (e.code === 'INTERNAL_ERROR') this.sys.log('error', `${req.method}: ${String((err as Error)?.stack ?? err)}`);
      return { seq: req.seq, ok: false, error: e.toBody(this.lang) };
    }
  }

  /** First state read, the ready event, then polling. */
  async start(): Promise<void> {
    const first = await this.lock.run(() => this.readState().catch((err) => {
      this.sys.log('warn', `first read: ${String(err)}`);
      return null;
    }));
    await this.emit({ event: 'ready', module: this.diagnoses.find((d) => d.status === 'loaded') ?? null });
    if (first) await this.publish(first.state);
    this.lastReselect = performance.now();
    this.scheduleNext();
  }

  /** The app says whether a window is in front: the watcher's pace follows, and a window shown gets a fresh look. */
  setVisibility(window: 'visible' | 'hidden'): void {
    const faster = this.schedule.setVisibility(window) && this.schedule.active();
    this.sys.log('debug', `window ${window}`);
    if (faster) this.rescheduleNow();
  }

  /** A card request: the app is working with the card, the watcher keeps the active pace for a while. */
  noteFlow(): void {
    const wasActive = this.schedule.active();
    this.schedule.noteFlow();
    if (!wasActive) this.rescheduleNow();
  }

  private rescheduleNow(): void {
    if (this.stopped || this.ticking) return;
    this.arm(0);
  }

  private scheduleNext(): void {
    this.arm(this.schedule.nextDelayMs());
  }

  /** One timer for the service's life, re-armed in place (no allocation per look). */
  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(this.onTimer, ms);
    this.timer.unref?.();
  }

  private readonly onTimer = (): void => { this.tick(); };

  /**
   * One look at the readers. Synchronous up to the decision (no promise, no lock queued) when nothing changed: at rest
   * this is all the service does, at the visible pace (watch-schedule.ts) while a window is in front.
   */
  private tick(): void {
    if (this.stopped) return;
    let wanted = false;
    // A PIN entry or a signature in progress holds the lock: skip this look rather than queue behind it.
    try {
      wanted = !this.lock.busy && this.fullReadWanted();
    } catch (err) {
      // The cheap look failed: the full read says what is wrong (and the host hears it).
      this.sys.log('warn', `look: ${String((err as Error)?.message ?? err)}`);
      wanted = true;
    }
    if (!wanted) return this.scheduleNext();
    this.ticking = true;
    void this.lock.run(() => this.refresh())
      .catch((err) => { this.sys.log('warn', `poll: ${String((err as Error)?.message ?? err)}`); })
      .finally(() => { this.ticking = false; this.scheduleNext(); });
  }

  private fullReadWanted(): boolean {
    const m = this.module;
    if (!m) {
      // No module: look for one now and then, not at every tick.
      if (this.lastState?.kind === 'NO_MODULE' && performance.now() - this.lastReselect < RESELECT_MS) return false;
      this.lastReselect = performance.now();
      return true;
    }
    return this.schedule.fullReadDue() || this.look.changed(m);
  }

  /** C_Finalize and stop polling; the process exits after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const p of this.pending) p.cancelled = true;
    await this.lock.run(() => {
      this.module?.finalize();
      this.module = null;
    });
  }
}
