// Shared by the card-layer tests: a card service process pointed at a private simulator (or any module), with
// its stdout/stderr captured (the PIN-secrecy tests read them), and helpers to check tokens independently.
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { closeSync, copyFileSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type { CardServiceOptions } from '../../protocol/card-service.ts';
import type { WatchState, WebEidToken } from '../../protocol/card.ts';
import { CardServiceClient, type ServiceStatus } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

export interface Harness {
  client: CardServiceClient;
  /** Everything the service processes wrote to stdout and stderr so far. */
  output(): string;
  states: WatchState[];
  services: ServiceStatus[];
  /** Resolves with the first pushed state (from now on, or already seen if `pastToo`) that matches. */
  nextState(match: (s: WatchState) => boolean, timeoutMs?: number): Promise<WatchState>;
  close(): Promise<void>;
}

export interface ServiceFixture {
  readonly sim: Sim;
  readonly svc: Harness;
  /** The card inserted in reader 0 before the service started, when one was named. */
  readonly card: ProvisionedCard | null;
}

/**
 * The test file's private simulator (`card`, when named, in reader 0; `prepare` runs before the service starts) and
 * a card service over it: set up before the file's tests, torn down after them.
 */
export function useSimulatedService(opts: { readers?: number; card?: string; prepare?: (sim: Sim) => void } = {}): ServiceFixture {
  let sim: Sim | undefined;
  let svc: Harness | undefined;
  let card: ProvisionedCard | null = null;
  before(async () => {
    sim = await makeSim({ readers: opts.readers ?? 1 });
    if (opts.card) card = await sim.insert(opts.card, 0);
    opts.prepare?.(sim);
    svc = await startService(sim.env);
  });
  after(async () => {
    await svc?.close();
    await sim?.cleanup();
  });
  const ready = <T>(v: T | undefined): T => { if (v === undefined) throw new Error('fixture used before its before() hook'); return v; };
  return { get sim() { return ready(sim); }, get svc() { return ready(svc); }, get card() { return card; } };
}

export async function startService(env: Record<string, string>, options: CardServiceOptions = {}): Promise<Harness> {
  let out = '';
  const client = new CardServiceClient({
    options,
    restartDelaysMs: [0],
    transport: forkTransport({
      // Only the module under test: no fallback to an OpenSC that happens to be installed.
      env: { ...process.env, CPX_PKCS11_MODULE_ONLY: '1', CPX_CARD_SERVICE_LOG: 'debug', ...env },
      output: (_stream, chunk) => { out += chunk; },
    }),
  });
  const states: WatchState[] = [];
  const services: ServiceStatus[] = [];
  client.on('state', (s) => states.push(s));
  client.on('service', (s) => services.push(s));
  await client.start();
  return {
    client,
    output: () => out,
    states,
    services,
    nextState(match, timeoutMs = 10_000) {
      return withTimeout(new Promise<WatchState>((resolve) => {
        const on = (s: WatchState) => { if (match(s)) { client.off('state', on); resolve(s); } };
        client.on('state', on);
      }), timeoutMs, 'state event');
    },
    close: () => client.close(),
  };
}

/** Fails instead of hanging: every card operation must end. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
  ]);
}

export const newNonce = () => randomBytes(32).toString('base64');
export const pinBytes = (pin: string) => new TextEncoder().encode(pin);

/** The rejection's CpxError code (or the message of anything else). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'OK';
}

/** Checks a token the way an independent verifier would: Node's crypto over SHA-256(origin) || SHA-256(nonce). */
export function tokenVerifies(token: WebEidToken, origin: string, nonce: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  const cert = new X509Certificate(Buffer.from(token.unverifiedCertificate, 'base64'));
  return token.format === 'web-eid:1.0' && token.algorithm === 'RS256'
    && verify('sha256', Buffer.concat([h(origin), h(nonce)]), cert.publicKey, Buffer.from(token.signature, 'base64'));
}

/** A real x86-64 PKCS#11 library on this machine. */
export const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * Copies of SoftHSM2 whose ELF header says another CPU: what a wrong-architecture middleware (a 32-bit or an ARM
 * Cryptolib) looks like to the loader and to the header reader.
 */
export function foreignArchLibraries(dir: string): { elf32: string; arm64: string } {
  const patched = (name: string, patches: [number, number[]][]) => {
    const file = path.join(dir, name);
    copyFileSync(SOFTHSM, file);
    const fd = openSync(file, 'r+');
    for (const [offset, bytes] of patches) writeSync(fd, Buffer.from(bytes), 0, bytes.length, offset);
    closeSync(fd);
    return file;
  };
  return {
    // EI_CLASS=1 (32-bit) with e_machine=3 (i386): a 32-bit x86 library.
    elf32: patched('lib32.so', [[4, [1]], [18, [3, 0]]]),
    // e_machine=0xb7: AArch64.
    arm64: patched('libarm.so', [[18, [0xb7, 0]]]),
  };
}
