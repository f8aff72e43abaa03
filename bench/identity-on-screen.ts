// Card inserted → the holder's name on screen, in the real UI: Chromium showing the renderer through the development
// bridge, the card service watching the simulator at its default pace, window visible. Goal: p50 ≤ 400 ms.
//   npm run --silent bench -- identity-on-screen [--count N]
// The clock starts when the simulator's reader file is written and stops when the page's DOM shows the name
// ("Qui est cette carte ?"), seen by a MutationObserver in the page (same machine clock on both sides). Cards
// alternate so each insertion is read afresh; each waits a random part of a polling period so every poll phase counts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import * as control from '../native/sim/control.ts';
import { provisionCard } from '../native/sim/provision.ts';
import { getProfile } from '../native/sim/profiles.ts';
import { startBridge } from '../bridge/stack.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/e2e/harness.ts';
import { WATCH } from '../native/service/watch-schedule.ts';

const GOAL_MS = 400;
const POLL_MS = WATCH.activeCheckMs;
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 20;

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

control.ensureBuilt();
const work = mkdtempSync(path.join(tmpdir(), 'cpx-bench-screen-'));
const dir = path.join(work, 'sim');
control.initState(dir, { readers: 1 });
const cards = [];
for (const profile of ['cps-medecin', 'cpe', 'cps-accents']) {
  const p = getProfile(profile);
  cards.push({ ...(await provisionCard(dir, profile)), name: `${p.givenName} ${p.surname}` });
}

const bridge = await startBridge({
  serviceUrl: 'http://127.0.0.1:9', dataDir: path.join(work, 'app'), output: () => {},
  cardEnv: { ...process.env, ...control.simEnv(dir), CPX_PKCS11_MODULE_ONLY: '1' },
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const page = await browser.newPage();
await page.goto(bridge.url);
await page.locator('.card-status[data-status="no-card"]').waitFor();

const samples: number[] = [];
try {
  for (let i = 0; i < COUNT; i++) {
    const card = cards[i % cards.length]!;
    await sleep(Math.random() * POLL_MS);
    // Armed before the insertion; resolves with Date.now() in the page at the first DOM change showing the name.
    // (Wrapped in void: returning the promise would make evaluate wait for it.)
    await page.evaluate(`void (window.__seen = new Promise((resolve) => {
      const shown = () => document.querySelector('[data-testid="holder-name"]')?.textContent === ${JSON.stringify(card.name)};
      const mo = new MutationObserver(() => { if (shown()) { mo.disconnect(); resolve(Date.now()); } });
      mo.observe(document.body, { subtree: true, childList: true, characterData: true });
    }))`);
    const t0 = Date.now();
    control.insertCard(dir, 0, card.tokenSerial, card.cardId);
    const seen = await page.evaluate('window.__seen') as number;
    samples.push(seen - t0);
    console.log(JSON.stringify({ bench: 'identity-on-screen', i, card: card.profile, ms: seen - t0 }));
    control.removeCard(dir, 0);
    await page.locator('[data-testid="holder-name"]').waitFor({ state: 'detached' });
  }
} finally {
  await browser.close();
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
}

const sorted = [...samples].sort((a, b) => a - b);
console.log(JSON.stringify({
  bench: 'identity-on-screen', n: sorted.length, pollMs: POLL_MS, p50Ms: round(percentile(sorted, 50)),
  p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1)!), goalMs: GOAL_MS, withinGoal: percentile(sorted, 50) <= GOAL_MS,
}));
