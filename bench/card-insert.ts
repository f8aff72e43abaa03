// Card inserted → identity available to a client, through the card service watching at its default pace with the
// window visible (native/service/watch-schedule.ts).
//   npm run --silent bench -- card-insert [--count N] [--workstation]
// The simulator's reader file is written (insertion) and the clock stops when the client receives the pushed
// state carrying that card's holder. Cards alternate so each insertion is read afresh; each insertion waits a
// random part of a look period so the measure covers every phase of the watcher. Goal: p50 ≤ 400 ms.
// --workstation: as on a real workstation (control.WORKSTATION_LATENCY: Cryptolib detects GALSS readers every 2 s,
// so the middleware's own delay comes first; no goal applies to that figure).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WatchState } from '../protocol/card.ts';
import * as control from '../native/sim/control.ts';
import { provisionCard } from '../native/sim/provision.ts';
import { CardServiceClient } from '../native/service/client.ts';
import { forkTransport } from '../native/service/transport.ts';
import { WATCH } from '../native/service/watch-schedule.ts';

const GOAL_MS = 400;
const POLL_MS = WATCH.activeCheckMs;
const WORKSTATION = process.argv.includes('--workstation');
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 40;

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

control.ensureBuilt();
const dir = mkdtempSync(path.join(tmpdir(), 'cpx-bench-insert-'));
control.initState(dir, { readers: 1 });
if (WORKSTATION) control.setLatency(dir, control.WORKSTATION_LATENCY);
const cards = [];
for (const profile of ['cps-medecin', 'cpe', 'cps-accents']) cards.push(await provisionCard(dir, profile));

const client = new CardServiceClient({
  restart: false,
  transport: forkTransport({ env: { ...process.env, ...control.simEnv(dir), CPX_PKCS11_MODULE_ONLY: '1' } }),
});
await client.start();

function waitFor(match: (s: WatchState) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no state change within 10 s')), 10_000);
    const on = (s: WatchState) => {
      if (!match(s)) return;
      clearTimeout(timer);
      client.off('state', on);
      resolve(performance.now());
    };
    client.on('state', on);
  });
}

const samples: number[] = [];
for (let i = 0; i < COUNT; i++) {
  const card = cards[i % cards.length]!;
  await sleep(Math.random() * (WORKSTATION ? control.WORKSTATION_LATENCY.detectMs : POLL_MS));
  const seen = waitFor((s) => s.cards.some((c) => c.cardNumber === card.cardNumber && c.holder !== null));
  const t0 = performance.now();
  control.insertCard(dir, 0, card.tokenSerial, card.cardId);
  samples.push((await seen) - t0);
  const gone = waitFor((s) => s.cards.length === 0);
  control.removeCard(dir, 0);
  await gone;
}
await client.close();
rmSync(dir, { recursive: true, force: true });

const sorted = [...samples].sort((a, b) => a - b);
const p50 = round(percentile(sorted, 50));
const p99 = round(percentile(sorted, 99));
console.log(JSON.stringify({ bench: 'card-insert', part: 'samples', minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!), n: sorted.length }));
console.log(JSON.stringify({
  bench: 'card-insert', pollMs: POLL_MS, workstation: WORKSTATION, count: COUNT, p50Ms: p50, p99Ms: p99, goalMs: GOAL_MS,
  withinGoal: WORKSTATION ? null : p50 <= GOAL_MS,
}));
