// `npm run bridge -- [--port N] [--service URL] [--card PROFILE] [--data-dir DIR] [--policy-dir DIR] [--lang fr|en]`
//
// The desktop app's UI in a browser, for development, demos and tests on machines without Electron: serves the built
// renderer and the IPC contract backed by the real card service and account service, and prints the URL.
// Without --service it also starts the reference service (PGlite, demo accounts) in a folder under .cache/.
// Cards come from whatever PKCS#11 module the environment names: with the simulator, `npm run cards -- insert cpe`
// (or --card cpe here) puts a card in the reader while the page is open.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startReferenceServer, type ReferenceServer } from './reference-server.ts';
import { DEFAULT_DIST, REPO_ROOT, startBridge } from './stack.ts';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    service: { type: 'string' },
    card: { type: 'string' },
    'data-dir': { type: 'string' },
    'policy-dir': { type: 'string' },
    lang: { type: 'string' },
    'no-sim': { type: 'boolean', default: false },
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
  const dataDir = path.resolve(args['data-dir'] ?? path.join(REPO_ROOT, '.cache', 'bridge'));
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
    serviceUrl, dataDir: path.join(dataDir, 'app'), cardEnv, port: Number(args.port), policyDir: args['policy-dir'], lang,
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
