// Entry point of the card service process. Started by CardServiceClient through a transport (Node fork with tsx,
// or Electron's utilityProcess); options arrive as JSON in argv[2]. Never writes to stdout (the CLI's --json
// output shares the terminal); logs go to stderr only when CPX_CARD_SERVICE_LOG asks for them, and never
// contain request parameters.

import { readFileSync } from 'node:fs';
import type { CardServiceOptions, ServiceRequest } from '../../protocol/card-service.ts';
import { CardService, type ServiceSystem } from './card-service.ts';
import { detectPort } from './worker-port.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function readOptions(): CardServiceOptions {
  try {
    return process.argv[2] ? JSON.parse(process.argv[2]) as CardServiceOptions : {};
  } catch {
    return {};
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function logger(): ServiceSystem['log'] {
  const wanted = process.env.CPX_CARD_SERVICE_LOG;
  const min = wanted ? LEVELS.indexOf(wanted as (typeof LEVELS)[number]) : LEVELS.indexOf('error');
  return (level, message) => {
    if (min >= 0 && LEVELS.indexOf(level) >= min) process.stderr.write(`[card-service] ${level}: ${message}\n`);
  };
}

const options = readOptions();
const port = detectPort();
const service = new CardService(
  { ...options, appVersion: options.appVersion ?? `cpx-link/${packageVersion()}` },
  (ev) => port.send(ev),
  { env: process.env, platform: process.platform, arch: process.arch, log: logger() },
);

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  await service.stop().catch(() => undefined);
  process.exit(code);
}

port.onMessage((raw) => {
  const req = raw as ServiceRequest;
  if (!req || typeof req.seq !== 'number' || typeof req.method !== 'string') return;
  void service.handle(req).then(async (res) => {
    await port.send(res);
    if (req.method === 'shutdown' && res.ok) await exit(0);
  });
});
port.onClose(() => { void exit(0); });
process.on('SIGTERM', () => { void exit(0); });

void service.start().catch((err) => {
  process.stderr.write(`[card-service] start failed: ${String((err as Error)?.message ?? err)}\n`);
  process.exit(70);
});
