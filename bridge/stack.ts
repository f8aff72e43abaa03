// The development bridge assembled: the same app core the Electron shell hosts (app-core/assemble.ts), with the
// ports a browser setting needs — the real card service (a forked Node process over the configured PKCS#11 module, e.g. the
// simulator), fetch to the account service, the PIN page as the PIN prompt — served by http-server.ts.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleAppCore } from '../app-core/assemble.ts';
import type { CardServiceClient } from '../native/service/client.ts';
import { forkTransport } from '../native/service/transport.ts';
import type { AppController } from '../electron/core/controller.ts';
import { fetchHttp } from '../electron/core/fetch-http.ts';
import type { FileLogger } from '../electron/core/log.ts';
import { linuxPolicyReader, type PolicyReader } from '../electron/core/policy.ts';
import type { Lang } from '../protocol/errors.ts';
import { startBridgeServer, type BridgeServer } from './http-server.ts';
import { newInstanceSecret, removeInstanceFile, writeInstanceFile } from './instance.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DIST = path.join(REPO_ROOT, 'renderer', 'dist');

export interface BridgeStackOptions {
  /** Account service the app talks to (settings default; a policy may still override it). */
  serviceUrl: string;
  /** Settings file, diagnostic reports, log: the bridge's own "user data" folder. */
  dataDir: string;
  /** Environment of the card service process (CPX_PKCS11_MODULE, CPX_SIM_STATE, SOFTHSM2_CONF…). */
  cardEnv?: NodeJS.ProcessEnv;
  port?: number;
  distDir?: string;
  /** A folder of policy JSON files read like /etc/cpx-link/policies (default: no policy at all). */
  policyDir?: string;
  lang?: Lang;
  /** Card service slot polling period (ms). */
  pollMs?: number;
  appVersion?: string;
  /** Where the card service's stderr goes (default: this process's stderr). */
  output?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /**
   * The professional's default browser (the system's openExternal in the app): where a completed browser login and
   * "Ouvrir le service" open. Default: a new tab next to the bridge's own page. Tests and benches open the URL in
   * the browser context that plays the professional's browser.
   */
  openExternal?: (url: string) => Promise<void>;
  /** One PIN window kept across operations, as the Electron shell keeps one ready (bridge/pin-broker.ts). */
  keepPinWindow?: boolean;
}

export interface BridgeStack {
  readonly url: string;
  /** The bridge's data folder, where `--open` finds it (bridge/instance.ts). */
  readonly dataDir: string;
  readonly server: BridgeServer;
  readonly controller: AppController;
  readonly cards: CardServiceClient;
  readonly log: FileLogger;
  close(): Promise<void>;
}

const NO_POLICY: PolicyReader = { describe: 'none (development bridge)', read: async () => ({ values: {}, problems: [] }) };

export async function startBridge(opts: BridgeStackOptions): Promise<BridgeStack> {
  await mkdir(opts.dataDir, { recursive: true });
  const openSecret = newInstanceSecret();
  const server = await startBridgeServer({ distDir: opts.distDir ?? DEFAULT_DIST, port: opts.port, openSecret, keepPinWindow: opts.keepPinWindow });
  const { log, cards, controller } = await assembleAppCore({
    settingsFile: path.join(opts.dataDir, 'settings.json'),
    logFile: path.join(opts.dataDir, 'logs', 'cpx-link.log'),
    policy: opts.policyDir ? linuxPolicyReader(opts.policyDir) : NO_POLICY,
    defaults: { serviceUrl: opts.serviceUrl, ...(opts.lang ? { language: opts.lang } : {}) },
    appVersion: opts.appVersion ?? '0.1.0-bridge',
    runtime: { node: process.versions.node, bridge: 'development' },
    pollMs: opts.pollMs,
    ports: {
      cardTransport: () => forkTransport({ env: opts.cardEnv ?? process.env, output: opts.output }),
      pin: () => server.pins,
      http: fetchHttp(),
      system: {
        // No desktop to hand a link to: unless told otherwise, the page opens it in a new browser tab.
        openExternal: opts.openExternal ?? (async (url) => { server.openInBrowser(url); }),
        async chooseSavePath(name) {
          const dir = path.join(opts.dataDir, 'reports');
          await mkdir(dir, { recursive: true });
          return path.join(dir, name);
        },
      },
    },
  });
  server.attach({
    invoke: (channel, request) => controller.handle(channel, request),
    subscribe: (listener) => controller.subscribe(listener),
    openLink: (argv) => controller.openLoginLinkFromArgv(argv),
    pageGone: () => controller.cancelFlow('window-gone'),
  });
  await writeInstanceFile(opts.dataDir, { port: Number(new URL(server.url).port), secret: openSecret, pid: process.pid });
  try {
    await cards.start();
  } catch (err) {
    // No module, no reader: the UI shows it as a card state; the bridge itself keeps running.
    log.warn('bridge.card-service-start', { err });
  }

  return {
    url: server.url, dataDir: opts.dataDir, server, controller, cards, log,
    async close() {
      await removeInstanceFile(opts.dataDir, openSecret);
      controller.dispose();
      await server.close();
      await cards.close();
      log.close();
    },
  };
}
