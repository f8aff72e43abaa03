// Shared by the card-layer tests: a card service process pointed at a private simulator (or any module), with
// its stdout/stderr captured (the PIN-secrecy tests read them), and helpers to check tokens independently.
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import type { CardServiceOptions } from '../../protocol/card-service.ts';
import type { WatchState, WebEidToken } from '../../protocol/card.ts';
import { CardServiceClient, type ServiceStatus } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';

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
