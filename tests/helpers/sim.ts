// A private simulated card set-up for one test file: its own state directory (SoftHSM2 configuration and
// tokens, readers, PIN counters), cards provisioned from the test PKI and inserted through the control library.
// The module reads CPX_SIM_STATE at C_Initialize and is loaded once per process: one sim per test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import * as control from '../../native/sim/control.ts';
import { provisionCard, type ProvisionedCard } from '../../native/sim/provision.ts';

export type { ProvisionedCard };

export interface SimOptions {
  readers?: number;
  /** 'zero' (default: fast tests), 'card' (the simulator's defaults, close to a real card) or explicit values. */
  latency?: 'zero' | 'card' | { loginMs?: number; signMs?: number; pinpadMs?: number; pinpadTimeoutMs?: number };
}

export interface Sim {
  dir: string;
  /** CPX_PKCS11_MODULE, CPX_SIM_STATE, SOFTHSM2_CONF, CPX_TEST_TRUST, CPX_TEST_CRL, for child processes. */
  env: Record<string, string>;
  module: string;
  /** Provisions a fresh card of `profile` and puts it in `reader`. */
  insert(profile: string, reader?: number): Promise<ProvisionedCard>;
  /** Puts an already provisioned card (back) in a reader: a new insertion of the same card. */
  reinsert(card: Pick<ProvisionedCard, 'tokenSerial' | 'cardId'>, reader?: number): void;
  remove(reader?: number): { tokenSerial: string } | null;
  setPinpad(reader: number, on: boolean): void;
  typeOnPinpad(reader: number, pin: string | null): void;
  setLatency(l: { loginMs?: number; signMs?: number; pinpadMs?: number; pinpadTimeoutMs?: number }): void;
  injectFault(fn: string, kind: control.FaultKind | null): void;
  hideMechanisms(mechanisms: readonly (string | number)[]): void;
  resetPinCounter(cardId: string, tries?: number): void;
  counters(): Record<string, number>;
  resetCounters(): void;
  status(): control.SimStatus;
  /** The simulator loaded in this process through pkcs11js, C_Initialize done (finalised by cleanup). */
  open(): pkcs11js.PKCS11;
  cleanup(): Promise<void>;
}

export async function makeSim(options: SimOptions = {}): Promise<Sim> {
  control.ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'cpx-sim-'));
  const latency = options.latency ?? 'zero';
  control.initState(dir, { readers: options.readers ?? 2 });
  if (latency === 'zero') control.setLatency(dir, { loginMs: 0, signMs: 0, pinpadMs: 0 });
  else if (latency !== 'card') control.setLatency(dir, latency);
  const env = control.simEnv(dir);
  const opened: pkcs11js.PKCS11[] = [];

  return {
    dir,
    env,
    module: control.modulePath(),
    async insert(profile, reader = 0) {
      const card = await provisionCard(dir, profile);
      control.insertCard(dir, reader, card.tokenSerial, card.cardId);
      return card;
    },
    reinsert(card, reader = 0) {
      control.insertCard(dir, reader, card.tokenSerial, card.cardId);
    },
    remove: (reader = 0) => control.removeCard(dir, reader),
    setPinpad: (reader, on) => control.setPinpad(dir, reader, on),
    typeOnPinpad: (reader, pin) => control.typeOnPinpad(dir, reader, pin),
    setLatency: (l) => control.setLatency(dir, l),
    injectFault: (fn, kind) => control.injectFault(dir, fn, kind),
    hideMechanisms: (m) => control.hideMechanisms(dir, m),
    resetPinCounter: (cardId, tries) => control.resetPinCounter(dir, cardId, tries),
    counters: () => control.readCounters(dir),
    resetCounters: () => control.resetCounters(dir),
    status: () => control.status(dir),
    open() {
      process.env.CPX_SIM_STATE = dir;
      const p11 = new pkcs11js.PKCS11();
      p11.load(control.modulePath());
      p11.C_Initialize();
      opened.push(p11);
      return p11;
    },
    async cleanup() {
      for (const p11 of opened.splice(0)) {
        try {
          p11.C_Finalize();
        } catch {
          // already finalised by the test
        }
        p11.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CKR_ name a pkcs11js call failed with (the assertion then says which error came instead). */
export function ckr(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const message = (e as Error).message;
    return /^CKR_[A-Z0-9_]+/.exec(message)?.[0] ?? `not a PKCS#11 error: ${message}`;
  }
  return 'CKR_OK';
}
