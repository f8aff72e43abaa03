// The card service at rest: its CPU time over 60 s with a card inserted and no flow, with the app's windows visible,
// then hidden (as the app tells the service), and its resident memory. Goal: ≤ 0.3 % of a core in both.
//   npm run --silent bench -- idle-cost [--seconds N] [--warmup N] [--workstation] [--tsx]
// The service runs as the desktop app runs it: the bundled worker (build/bundle.mjs) under Node, no TypeScript loader
// (--tsx: worker.ts through tsx, as the CLI and the development bridge run it). --workstation: the simulator with a
// card's latencies and Cryptolib's 2-second detection (control.WORKSTATION_LATENCY).
//
// CPU time is the sum over the service's threads of /proc/<pid>/task/*/schedstat (run time in ns: exact, where
// utime/stime are sampled at each clock tick). Where the time goes: two reference processes run beside the service
// during each phase, at the same pace — `wake`, a bare Node that only wakes up, and `calls`, a Node that wakes up
// and makes the module calls the watcher makes (slot event; token info at each safety read) — so the service's time
// splits into waking up, module calls (calls − wake) and the service's own work (service − calls).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WatchState } from '../protocol/card.ts';
import type { Visibility } from '../protocol/card-service.ts';
import * as control from '../native/sim/control.ts';
import { provisionCard } from '../native/sim/provision.ts';
import { CardServiceClient } from '../native/service/client.ts';
import { forkTransport } from '../native/service/transport.ts';
import { WATCH } from '../native/service/watch-schedule.ts';

const GOAL_PERCENT = 0.3;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The pace of each phase, as the service's schedule sets it. */
const PACE: Record<Visibility, { checkMs: number; refreshMs: number }> = {
  visible: { checkMs: WATCH.activeCheckMs, refreshMs: WATCH.activeRefreshMs },
  hidden: { checkMs: WATCH.hiddenCheckMs, refreshMs: WATCH.hiddenRefreshMs },
};

// ---- reference processes: plain Node, no loader, like the bundled service ----

/**
 * argv: kind (wake | calls); the pace ({ checkMs, refreshMs }) arrives as a message, like the service's visibility.
 * `calls` makes the watcher's module calls at its pace: a slot event per look, the token info at each safety read.
 */
const REFERENCE_JS = `
const kind = process.argv[1];
let pace = { checkMs: 1e9, refreshMs: 1e9 };
let look = () => {};
if (kind === 'calls') {
  const pkcs11js = require('pkcs11js');
  const p11 = new pkcs11js.PKCS11();
  p11.load(process.env.CPX_PKCS11_MODULE);
  p11.C_Initialize({ flags: 2 }); // CKF_OS_LOCKING_OK, as the service
  let lastRead = performance.now();
  look = () => {
    p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK);
    if (performance.now() - lastRead < pace.refreshMs) return;
    lastRead = performance.now();
    for (const slot of p11.C_GetSlotList(false)) { p11.C_GetSlotInfo(slot); p11.C_GetTokenInfo(slot); }
  };
}
let timer = null;
process.on('message', (p) => { pace = p; clearTimeout(timer); timer = setTimeout(function tick() { look(); timer.refresh(); }, pace.checkMs); });
process.on('disconnect', () => process.exit(0));
process.send('up');
`;

// ---- measuring ----

/** CPU time of a process, all its threads, in ms. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
  }
  return ns / 1e6;
}

function rssMB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return round(kb / 1024, 1);
}

function startReference(kind: 'wake' | 'calls', env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', REFERENCE_JS, kind], {
    cwd: REPO, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`reference ${kind} exited (${code})`)));
  });
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 60);
  const warmupS = arg('--warmup', 30);
  const workstation = process.argv.includes('--workstation');
  const viaTsx = process.argv.includes('--tsx');

  control.ensureBuilt();
  const work = mkdtempSync(path.join(tmpdir(), 'cpx-bench-idle-'));
  const dir = path.join(work, 'sim');
  control.initState(dir, { readers: 1 });
  if (workstation) control.setLatency(dir, control.WORKSTATION_LATENCY);
  const card = await provisionCard(dir, 'cps-medecin');
  control.insertCard(dir, 0, card.tokenSerial, card.cardId);
  const env = { ...process.env, ...control.simEnv(dir), CPX_PKCS11_MODULE_ONLY: '1' };
  // The reference processes get a simulator of their own: the call counters below are the service's alone.
  const refDir = path.join(work, 'reference');
  control.initState(refDir, { readers: 1 });
  if (workstation) control.setLatency(refDir, control.WORKSTATION_LATENCY);
  const refCard = await provisionCard(refDir, 'cps-medecin');
  control.insertCard(refDir, 0, refCard.tokenSerial, refCard.cardId);
  const refEnv = { ...process.env, ...control.simEnv(refDir) };

  let workerPath: string | undefined;
  if (!viaTsx) {
    // The worker exactly as the desktop app ships it; inside the checkout so that `pkcs11js` resolves.
    const dist = path.join(REPO, '.cache', 'bench-idle-cost');
    execFileSync(process.execPath, [path.join(REPO, 'build', 'bundle.mjs'), '--no-app', '--dist', dist], { stdio: 'ignore' });
    workerPath = path.join(dist, 'electron', 'card-service.cjs');
  }
  const client = new CardServiceClient({ restart: false, transport: forkTransport({ env, ...(workerPath ? { workerPath } : {}) }) });
  const present = new Promise<void>((resolve) => {
    const on = (s: WatchState) => { if (s.cards.length === 1) { client.off('state', on); resolve(); } };
    client.on('state', on);
  });
  await client.start();
  await present;
  const pid = client.pid!;
  const refs = await Promise.all([startReference('wake', refEnv), startReference('calls', refEnv)]);
  console.log(JSON.stringify({ bench: 'idle-cost', part: 'setup', worker: viaTsx ? 'worker.ts (tsx)' : 'bundled card-service.cjs', workstation, warmupS, seconds }));
  // Starting up (loading the module, V8 settling its heap after it) is not rest: the references too.
  for (const r of refs) r.send(PACE.visible);
  await sleep(warmupS * 1000);

  const percents = {} as Record<Visibility, number>;
  try {
    for (const window of ['visible', 'hidden'] as const) {
      await client.request('visibility', { window });
      for (const r of refs) r.send(PACE[window]);
      await sleep(2000);
      const c0 = control.readCounters(dir);
      const before = [cpuMs(pid), ...refs.map((r) => cpuMs(r.pid!))];
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const wallMs = performance.now() - t0;
      const [service, wake, calls] = [cpuMs(pid), ...refs.map((r) => cpuMs(r.pid!))].map((v, i) => v - before[i]!) as [number, number, number];
      const c1 = control.readCounters(dir);
      const pct = (ms: number) => round((100 * ms) / wallMs);
      percents[window] = pct(service);
      const perMinute = Object.fromEntries(Object.entries(c1).filter(([k]) => !k.startsWith('softhsm.'))
        .map(([k, v]) => [k, round(((v - (c0[k] ?? 0)) * 60_000) / wallMs, 1)]).filter(([, v]) => (v as number) > 0));
      console.log(JSON.stringify({
        bench: 'idle-cost', part: window, checkMs: PACE[window].checkMs, refreshMs: PACE[window].refreshMs,
        cpuMs: round(service, 1), cpuPercent: pct(service),
        split: { wakeUpPercent: pct(wake), moduleCallsPercent: pct(Math.max(0, calls - wake)), ownWorkPercent: pct(service - calls) },
        moduleCallsPerMinute: perMinute,
      }));
    }
  } finally {
    const rss = rssMB(pid);
    for (const r of refs) r.kill();
    await client.close();
    rmSync(work, { recursive: true, force: true });
    console.log(JSON.stringify({
      bench: 'idle-cost', cpuPercentVisible: percents.visible, cpuPercentHidden: percents.hidden, rssMB: rss,
      goalPercent: GOAL_PERCENT, withinGoal: Math.max(percents.visible, percents.hidden) <= GOAL_PERCENT,
    }));
  }
}

await main();
