// The card service: owns the PKCS#11 module in its own process. One controller, one handler per request
// (handlers/), one lock so a module sees one operation at a time, and a watcher that pushes state changes.

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
import { noModuleState, sameState, stateFromSnapshot } from './watch-state.ts';

export const DEFAULT_POLL_MS = 250;
/** Without a module, look for one again every this many polls (a Cryptolib installed while the app runs). */
const RESELECT_EVERY_POLLS = 20;

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
  readonly pollMs: number;
  readonly pending = new Set<PendingAuth>();
  module: LoadedModule | null = null;
  candidate: ModuleCandidate | null = null;
  diagnoses: ModuleDiagnosis[] = [];
  lastState: WatchState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polls = 0;
  private stopped = false;

  constructor(readonly options: CardServiceOptions, readonly emit: (ev: ServiceEvent) => Promise<void>, readonly sys: ServiceSystem) {
    this.lang = options.lang ?? 'fr';
    this.appVersion = options.appVersion ?? '0.0.0';
    this.pollMs = Math.max(10, options.pollMs ?? DEFAULT_POLL_MS);
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
    const snap = await this.store.snapshot(m);
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
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => { void this.tick(); }, this.pollMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.polls++;
    // A PIN entry or a signature in progress holds the lock: skip this tick rather than queue behind it.
    const run = this.lock.tryRun(async () => {
      if (!this.module && this.polls % RESELECT_EVERY_POLLS !== 0 && this.lastState?.kind === 'NO_MODULE') return;
      const changed = this.module?.pollSlotEvent();
      if (changed) this.store.invalidate(changed);
      await this.refresh();
    });
    try {
      await run;
    } catch (err) {
      this.sys.log('warn', `poll: ${String((err as Error)?.message ?? err)}`);
    }
    this.schedule();
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
