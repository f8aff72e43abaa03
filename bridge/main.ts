// `npm run bridge -- [--port N] [--service URL] [--card PROFILE] [--data-dir DIR] [--policy-dir DIR] [--lang fr|en]
//                    [--keep-pin-window]`
// `npm run --silent bridge -- [--data-dir DIR] --open '<cpxlink URL>'`
//
// The desktop app's UI in a browser, for development, demos and tests on machines without Electron: serves the built
// renderer and the IPC contract backed by the real card service and account service, and prints the URL.
// Without --service it also starts the reference service (PGlite, demo accounts) in a folder under .cache/.
// Cards come from whatever PKCS#11 module the environment names: with the simulator, `npm run cards -- insert cpe`
// (or --card cpe here) puts a card in the reader while the page is open.
//
// With --open, this process plays a second instance of the desktop app launched by the OS for a `cpxlink:` link: it
// hands its arguments to the bridge running on the same data folder (bridge/instance.ts), prints how the bridge took
// them, and exits (0 accepted, 1 refused, 3 no bridge running).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { handOverArgs } from './instance.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DATA_DIR = path.join(REPO, '.cache', 'bridge');
/** The app's own folder inside the bridge's data folder (settings, log, the instance file). */
const appDir = (dataDir: string) => path.join(path.resolve(dataDir), 'app');

if (process.argv.includes('--open')) {
  // A second instance's arguments are not ours to judge (a hostile link may carry anything, switches included): they
  // go over as they are, and the bridge's controller finds the link among them, as Electron's second-instance does.
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--data-dir');
  const dataDir = at >= 0 && argv[at + 1] ? argv[at + 1]! : DEFAULT_DATA_DIR;
  const answer = await handOverArgs(appDir(dataDir), argv);
  if (answer.ok) console.log(`CPx Link (bridge): login link accepted (${answer.value.requester?.origin ?? '?'})`);
  else console.error(`CPx Link (bridge): ${answer.error.code}: ${answer.error.message}`);
  process.exit(answer.ok ? 0 : 'noBridge' in answer ? 3 : 1);
}

const { startReferenceServer } = await import('./reference-server.ts');
const { DEFAULT_DIST, REPO_ROOT, startBridge } = await import('./stack.ts');
type ReferenceServer = Awaited<ReturnType<typeof startReferenceServer>>;

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    service: { type: 'string' },
    card: { type: 'string' },
    'data-dir': { type: 'string' },
    'policy-dir': { type: 'string' },
    lang: { type: 'string' },
    'no-sim': { type: 'boolean', default: false },
    // One PIN pop-up kept open across operations, as the app keeps its PIN window ready (bridge/pin-broker.ts).
    'keep-pin-window': { type: 'boolean', default: false },
  },
  strict: true,
});

function npm(...argv: string[]): string {
  return execFileSync('npm', ['run', '--silent', ...argv], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** `npm run cards -- env` prints `export NAME=value` lines: the simulated readers for the card service. */
function simulatorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const line of npm('cards', '--', 'env').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return env;
}

async function main(): Promise<void> {
  const dataDir = path.resolve(args['data-dir'] ?? DEFAULT_DATA_DIR);
  if (!existsSync(path.join(DEFAULT_DIST, 'index.html'))) {
    console.log('building the renderer…');
    npm('build:renderer');
  }
  let cardEnv: NodeJS.ProcessEnv = process.env;
  if (!args['no-sim'] && !process.env.CPX_PKCS11_MODULE) {
    npm('build:sim');
    cardEnv = { ...process.env, ...simulatorEnv() };
  }
  if (args.card) {
    npm('cards', '--', 'insert', args.card);
    console.log(`card inserted: ${args.card}`);
  }

  let server: ReferenceServer | null = null;
  let serviceUrl = args.service;
  if (!serviceUrl) {
    server = await startReferenceServer({ dataDir: path.join(dataDir, 'service'), seed: true, env: cardEnv });
    serviceUrl = server.url;
    console.log(`reference service: ${serviceUrl} (demo accounts loaded; e.g. demo.etab / Demo-CPx-2026!)`);
  }

  const lang = args.lang === 'en' || args.lang === 'fr' ? args.lang : undefined;
  const bridge = await startBridge({
    serviceUrl, dataDir: appDir(dataDir), cardEnv, port: Number(args.port), policyDir: args['policy-dir'], lang,
    keepPinWindow: args['keep-pin-window'],
  });
  console.log(`CPx Link (browser bridge): ${bridge.url}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await bridge.close();
    await server?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
