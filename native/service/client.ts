// The host's handle on the card service process: typed requests, pushed events, and recovery from crashes.
// A middleware that aborts takes only the service process down: in-flight requests fail with SERVICE_CRASHED
// (never retried: a PIN is never re-sent on our own), a 'service' event says so, and a fresh process starts.

import { EventEmitter } from 'node:events';
import type {
  CardServiceMethod, CardServiceOptions, CardServiceRequests, ModuleDiagnosis, PinpadStep, ServiceEvent, ServiceMessage,
} from '../../protocol/card-service.ts';
import type { WatchState } from '../../protocol/card.ts';
import { CpxError } from '../../protocol/errors.ts';
import { forkTransport, type ExitInfo, type ServiceProcess, type ServiceTransport } from './transport.ts';

export interface ServiceStatus {
  up: boolean;
  crashed?: boolean;
  exit?: ExitInfo;
}

export interface CardServiceClientEvents {
  state: [WatchState];
  service: [ServiceStatus];
  ready: [ModuleDiagnosis | null];
  'pinpad-waiting': [{ readerIndex: number; timeoutMs: number; step?: PinpadStep }];
}

export interface CardServiceClientOptions {
  transport?: ServiceTransport;
  options?: CardServiceOptions;
  /** Start a fresh process after a crash (default true). */
  restart?: boolean;
  /** Delays before successive automatic restarts while the service keeps crashing (ms). */
  restartDelaysMs?: number[];
}

interface InFlight {
  method: CardServiceMethod;
  resolve(value: unknown): void;
  reject(err: CpxError): void;
}

const DEFAULT_RESTART_DELAYS = [0, 250, 1000, 5000];

export class CardServiceClient extends EventEmitter<CardServiceClientEvents> {
  private readonly transport: ServiceTransport;
  private proc: ServiceProcess | null = null;
  private seq = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private readyPromise: Promise<void> | null = null;
  private closing = false;
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private state: WatchState | null = null;
  private isUp = false;

  constructor(private readonly opts: CardServiceClientOptions = {}) {
    super();
    this.transport = opts.transport ?? forkTransport();
  }

  /** The last state the service pushed (null before the first). */
  get lastState(): WatchState | null { return this.state; }
  get up(): boolean { return this.isUp; }
  get pid(): number | undefined { return this.proc?.pid; }

  /** Starts the process if needed; resolves when it has loaded its module and read the readers once. */
  start(): Promise<void> {
    this.closing = false;
    this.ensureProcess();
    return this.readyPromise!;
  }

  /**
   * Sends one request and resolves with its result, or rejects with a CpxError. Codes sent as bytes (the PIN, the
   * PUK, a new PIN) are zeroed here as soon as the transport has serialised the message (send() does it before
   * returning), whether or not it could be sent; the caller's own wipe afterwards is a second one (protocol/pin.ts
   * says who zeroes what).
   */
  request<M extends CardServiceMethod>(method: M, params: CardServiceRequests[M][0]): Promise<CardServiceRequests[M][1]> {
    if (this.closing && method !== 'shutdown') return Promise.reject(new CpxError('SERVICE_CRASHED'));
    const proc = this.ensureProcess();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.inFlight.set(seq, { method, resolve: resolve as (v: unknown) => void, reject });
      try {
        proc.send({ seq, method, params });
      } catch {
        this.inFlight.delete(seq);
        reject(new CpxError('SERVICE_CRASHED'));
      } finally {
        for (const value of Object.values(params as object)) if (value instanceof Uint8Array) value.fill(0);
      }
    });
  }

  /** Shuts the service down cleanly (C_Finalize) and stops restarting it. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
    const timer = setTimeout(() => proc.kill(), timeoutMs);
    this.request('shutdown', {}).catch(() => undefined);
    await exited;
    clearTimeout(timer);
  }

  private ensureProcess(): ServiceProcess {
    if (this.proc) return this.proc;
    if (this.restartTimer) { clearTimeout(this.restartTimer); this.restartTimer = null; }
    const proc = this.transport.start(this.opts.options ?? {});
    this.proc = proc;
    let markReady!: () => void;
    this.readyPromise = new Promise((resolve) => { markReady = resolve; });
    proc.onMessage((msg) => this.onMessage(proc, msg as ServiceMessage, markReady));
    proc.onExit((info) => this.onExit(proc, info, markReady));
    return proc;
  }

  private onMessage(proc: ServiceProcess, msg: ServiceMessage, markReady: () => void): void {
    if (proc !== this.proc || !msg || typeof msg !== 'object') return;
    if ('seq' in msg && typeof msg.seq === 'number') {
      const pending = this.inFlight.get(msg.seq);
      if (!pending) return;
      this.inFlight.delete(msg.seq);
      this.crashesInARow = 0;
      if (msg.ok) pending.resolve(msg.result);
      else pending.reject(CpxError.fromBody(msg.error));
      return;
    }
    const ev = msg as ServiceEvent;
    switch (ev.event) {
      case 'ready':
        this.isUp = true;
        markReady();
        this.emit('ready', ev.module);
        this.emit('service', { up: true });
        break;
      case 'state':
        this.state = ev.state;
        this.emit('state', ev.state);
        break;
      case 'pinpad-waiting':
        this.emit('pinpad-waiting', { readerIndex: ev.readerIndex, timeoutMs: ev.timeoutMs, ...(ev.step ? { step: ev.step } : {}) });
        break;
    }
  }

  private onExit(proc: ServiceProcess, info: ExitInfo, markReady: () => void): void {
    if (proc !== this.proc) return;
    this.proc = null;
    this.isUp = false;
    markReady();
    const crashed = !this.closing;
    for (const [, p] of this.inFlight) {
      p.reject(new CpxError('SERVICE_CRASHED', {}, { cause: new Error(`card service exited (code ${info.code}, signal ${info.signal})`) }));
    }
    this.inFlight.clear();
    this.emit('service', { up: false, crashed, exit: info });
    if (!crashed || this.opts.restart === false) return;
    const delays = this.opts.restartDelaysMs ?? DEFAULT_RESTART_DELAYS;
    const delay = delays[Math.min(this.crashesInARow, delays.length - 1)] ?? 0;
    this.crashesInARow++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.closing && !this.proc) this.ensureProcess();
    }, delay);
    this.restartTimer.unref?.();
  }
}
