// The real stack under the app controller for these tests: simulated readers (H1) with cards from the test PKI
// (H2), the real card service in its own process (H4), the real reference account service on PGlite (H5), and a
// PIN prompt played by a scripted user. Each test file gets its own simulator state, database and user data.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WatchState } from '../../protocol/card.ts';
import type { AppEventName, AppEvents, PinDialogRequest } from '../../protocol/ipc.ts';
import { CardServiceClient } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { startServer, type RunningServer } from '../../server/start.ts';
import { newSecret } from '../../server/secrets.ts';
import { browserCookies } from '../../server/web/cookies.ts';
import { AppController } from '../../electron/core/controller.ts';
import { fetchHttp } from '../../electron/core/fetch-http.ts';
import { FileLogger } from '../../electron/core/log.ts';
import { linuxPolicyReader } from '../../electron/core/policy.ts';
import type { HttpPort, PinAnswer, PinPromptPort } from '../../electron/core/ports.ts';
import { SettingsStore } from '../../electron/core/settings.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';

export const DEMO_USER = 'demo.etab';
export const DEMO_PASSWORD = 'Demo-CPx-2026!';
export const RIGHT_PIN = '1234';
export const WRONG_PIN = '9876';

/** What the scripted user does when the PIN dialog opens. */
export type UserMove =
  | { pin: string; confirmFinalTry?: boolean }
  | 'cancel'
  | ((req: PinDialogRequest, signal: AbortSignal) => Promise<PinAnswer | null>);

/** A PIN prompt answered like a person would, one move per dialog; records what each dialog showed. */
export class ScriptedUser implements PinPromptPort {
  readonly seen: PinDialogRequest[] = [];
  readonly given: Uint8Array[] = [];
  closed = 0;
  #moves: UserMove[] = [];

  plan(...moves: (string | UserMove)[]): void {
    this.#moves = moves.map((m) => (typeof m === 'string' && m !== 'cancel' ? { pin: m } : m as UserMove));
    this.seen.length = 0;
    this.given.length = 0;
    this.closed = 0;
    this.prepared = 0;
  }

  get movesLeft(): number { return this.#moves.length; }

  async ask(req: PinDialogRequest, signal: AbortSignal): Promise<PinAnswer | null> {
    this.open = true;
    this.seen.push(structuredClone(req));
    const move = this.#moves.shift();
    if (!move) throw new Error(`the PIN dialog opened once more than the user expected (${this.seen.length} times)`);
    if (move === 'cancel') return null;
    if (typeof move === 'function') return move(req, signal);
    const pin = new TextEncoder().encode(move.pin);
    this.given.push(pin);
    return { pin, confirmFinalTry: move.confirmFinalTry ?? req.finalTry };
  }

  /** Times the dialog was opened ahead of its question (prepare), and whether it is open now. */
  prepared = 0;
  open = false;

  prepare(): void { this.prepared++; this.open = true; }

  /** Counts the dialog going away (a close of a dialog already closed changes nothing). */
  close(): void {
    if (this.open) this.closed++;
    this.open = false;
  }
}

export interface Stack {
  sim: Sim;
  cards: CardServiceClient;
  server: RunningServer;
  settings: SettingsStore;
  log: FileLogger;
  user: ScriptedUser;
  controller: AppController;
  events: { event: AppEventName; payload: unknown }[];
  /** What the system browser was asked to open. */
  opened: string[];
  /** Every request the app sent to a service (method and URL), through its real HTTP port. */
  requests: string[];
  dir: string;
  policyDir: string;
  logFile: string;
  /** Waits until the card service reports a state matching `match` (the watcher's pushed events). */
  waitForState(match: (s: WatchState) => boolean, timeoutMs?: number): Promise<WatchState>;
  eventsOf<E extends AppEventName>(event: E): AppEvents[E][];
  close(): Promise<void>;
}

export interface StackOptions {
  /** The service's clock (transactions, nonces, tickets and certificate validity age with it). */
  serviceClock?: () => Date;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpx-app-'));
  const sim = await makeSim({ readers: 2 });
  const cards = new CardServiceClient({
    restartDelaysMs: [0],
    options: { pollMs: 250 },
    transport: forkTransport({ env: { ...process.env, ...sim.env, CPX_PKCS11_MODULE_ONLY: '1' }, output: () => {} }),
  });
  await cards.start();
  const server = await startServer({
    port: 0, dataDir: path.join(dir, 'db'), seed: true,
    trust: [sim.env.CPX_TEST_TRUST], crl: [sim.env.CPX_TEST_CRL], warn: () => {},
    ...(opts.serviceClock ? { clock: opts.serviceClock } : {}),
  });
  const policyDir = path.join(dir, 'policies');
  const settings = await SettingsStore.open({
    userFile: path.join(dir, 'user', 'settings.json'),
    policy: linuxPolicyReader(policyDir),
    defaults: { serviceUrl: server.url },
  });
  const logFile = path.join(dir, 'logs', 'cpx-link.log');
  const log = new FileLogger({ file: logFile, level: () => 'debug' });
  const user = new ScriptedUser();
  const opened: string[] = [];
  const requests: string[] = [];
  const real = fetchHttp();
  const http: HttpPort = { request: (method, url, body, headers) => { requests.push(`${method} ${url}`); return real.request(method, url, body, headers); } };
  const controller = new AppController({
    cards, http, pin: user, settings, log, appVersion: '0.1.0-test',
    system: {
      openExternal: async (url) => { opened.push(url); },
      chooseSavePath: async (name) => path.join(dir, 'reports', name),
    },
  });
  const events: { event: AppEventName; payload: unknown }[] = [];
  controller.subscribe((event, payload) => events.push({ event, payload }));

  return {
    sim, cards, server, settings, log, user, controller, events, opened, requests, dir, policyDir, logFile,
    waitForState(match, timeoutMs = 10_000) {
      if (cards.lastState && match(cards.lastState)) return Promise.resolve(cards.lastState);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { cards.off('state', on); reject(new Error(`no matching card state within ${timeoutMs} ms`)); }, timeoutMs);
        const on = (s: WatchState) => { if (match(s)) { clearTimeout(timer); cards.off('state', on); resolve(s); } };
        cards.on('state', on);
      });
    },
    eventsOf: <E extends AppEventName>(event: E) => events.filter((e) => e.event === event).map((e) => e.payload as AppEvents[E]),
    async close() {
      controller.dispose();
      await cards.close();
      await server.close();
      log.close();
      await sim.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser's login transaction, as the service's card button starts it (server/web/routes.ts): the link it hands the
 * app, and the browser's transaction secret (its cookie). `redeem` plays that browser opening a completion URL.
 */
export async function browserTransaction(stack: Stack): Promise<{ link: string; cookie: string }> {
  const secret = newSecret().value;
  const { link } = await stack.server.service.browser.startTransaction(secret, '127.0.0.1');
  return { link, cookie: `${browserCookies(false).transaction.name}=${secret}` };
}

/** Opens `url` as a browser holding `cookie` (or none) would: the redirect and the session cookie it got, if any. */
export async function openAsBrowser(url: string, cookie: string | null): Promise<{ status: number; location: string | null; session: string | null; accountShown: boolean }> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const sessionName = browserCookies(false).session.name;
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${sessionName}=`) && !c.startsWith(`${sessionName}=;`));
  const html = await res.text();
  // A one-time URL redeemed answers Mon compte itself (no redirect): what the browser shows at once.
  const accountShown = res.status === 200 && html.includes('<h1>Mon compte</h1>');
  return { status: res.status, location: res.headers.get('location'), session: set ? set.split(';')[0]! : null, accountShown };
}

/** A card of `profile` in `reader`, seen by the card service. */
export async function insertCard(stack: Stack, profile: string, reader = 0): Promise<string> {
  const card = await stack.sim.insert(profile, reader);
  await stack.waitForState((s) => s.cards.some((c) => c.readerIndex === reader && c.cardNumber === card.cardNumber));
  return card.cardNumber;
}
