// The professional's browser login, end to end, against the card's own time. Goal: ratio ≤ 1.15.
//   npm run --silent bench -- browser-login [--count N] [--new-pin-window]
// The clock starts when "Se connecter par carte CPx" is clicked in the service's login page (Chromium) and stops when
// the logged-in page ("Mon compte") is shown in the tab the app opened in that same browser. In between: the service
// starts the transaction, the browser hands the cpxlink: link over (as `bridge --open` does: the bridge stands in
// for the app), the app fetches the transaction's challenge and opens the PIN window, the script types the PIN as
// soon as that window shows, the simulated card logs in and signs at a CPS3's pace, the app completes the
// transaction and opens the completion URL. Both instants are taken in the pages (Date.now(), same machine clock).
// The card's own time (`cardMs`: C_Login + C_Sign, raw pkcs11js on a simulator with the same latency, its own token)
// is measured in the same run, between journeys; ratio = p50Ms ÷ cardMs. Each journey starts logged out.
// JSON lines: one per journey, the card's figures, then the headline.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pkcs11js from 'pkcs11js';
import type { Page } from 'playwright-core';
import { startE2E, submitProfessional, cardLoginInApp } from '../tests/e2e/harness.ts';
import { makeSim } from '../tests/helpers/sim.ts';

const CPS3 = { loginMs: 300, signMs: 700 };
const GOAL_RATIO = 1.15;
const PIN = '1234';
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 15;
const WARMUP = 2;

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// The card on its own: a second simulator (its own token, so neither side reloads the other's token files) at the
// same latency, driven raw.
const raw = await makeSim({ readers: 1, latency: CPS3 });
await raw.insert('cpe');
const p11 = raw.open();
const slot = p11.C_GetSlotList(true)[0]!;
function cardLoginAndSign(): number {
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
    const t0 = performance.now();
    p11.C_Login(session, pkcs11js.CKU_USER, PIN);
    p11.C_FindObjectsFinal(session);
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
    const key = p11.C_FindObjects(session, 1)[0]!;
    p11.C_FindObjectsFinal(session);
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
    p11.C_Sign(session, Buffer.alloc(64, 1), Buffer.alloc(512));
    const ms = performance.now() - t0;
    p11.C_Logout(session);
    return ms;
  } finally {
    p11.C_CloseSession(session);
  }
}

// The card service polls at its default pace; the service's request log is off (nothing to count here).
// The PIN window is kept across journeys, as the app keeps one ready (pre-created, hidden between asks): the bridge's
// --keep-pin-window. `--new-pin-window` measures one pop-up per journey instead (the bridge's default).
const keepPinWindow = !process.argv.includes('--new-pin-window');
const e = await startE2E({ latency: CPS3, pollMs: 250, logServiceRequests: false, keepPinWindow });
const journeys: number[] = [];
const card: number[] = [];
try {
  // The CPE linked to demo.etab once, through the app (not measured).
  await e.sim.insert('cpe');
  await e.page.locator('.card-status[data-status="ready"]').waitFor({ timeout: 30_000 });
  if (await cardLoginInApp(e, PIN) === 'first-login') {
    await submitProfessional(e.page, 'demo.etab', 'Demo-CPx-2026!');
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 30_000 });
  }
  await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();

  // The professional's browser: the app's default browser, whose cpxlink: links go to the app.
  const web = e.web;
  // The two instants, taken in the pages: the click (capturing listener) and "Mon compte" shown.
  await web.addInitScript(`(() => {
    document.addEventListener('click', (ev) => { if (ev.target.closest && ev.target.closest('#bouton-carte')) window.__clicked = Date.now(); }, true);
    document.addEventListener('DOMContentLoaded', () => {
      const h1 = document.querySelector('h1');
      if (h1 && h1.textContent.trim() === 'Mon compte') window.__shown = Date.now();
    });
  })()`);
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < WARMUP + COUNT; i++) {
    // A page of its own each time: Chromium silently drops a page's repeated launches of an external scheme.
    const login = await web.newPage();
    await login.goto(`${e.server!.url}/`);
    const button = login.getByRole('button', { name: 'Se connecter par carte CPx' });
    await button.waitFor();

    // The app's PIN window: kept from the last journey (as the app keeps its own ready), or the one this flow opens.
    const kept = e.context.pages().find((p) => p.url().includes('/pin.html') && !p.isClosed());
    const pinWindow = kept ? Promise.resolve(kept) : e.context.waitForEvent('page', { predicate: (p) => p.url().includes('/pin.html'), timeout: 30_000 });
    // The tab the app opens in this browser.
    const tab = new Promise<Page>((resolve) => web.once('page', resolve));
    await button.click();
    // Read now: the page goes to "Mon compte" by itself once this browser is logged in.
    const clicked = await login.evaluate('window.__clicked') as number;
    const pin = await pinWindow;
    // The PIN as soon as the field shows, then Enter in that field (it has the focus: no second look-up).
    await pin.locator('#pin-input').fill(PIN);
    const pinField = Date.now();
    await pin.keyboard.press('Enter');
    const pinSent = Date.now();
    const shownTab = await tab;
    await shownTab.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor({ timeout: 30_000 });
    const shown = await shownTab.evaluate('window.__shown') as number;
    // Where the time goes (ms after the click; the PIN instants as this script saw them, so a little late).
    // The tab's own time origin: when the browser began making it for the app's URL.
    const tabOrigin = Math.round(await shownTab.evaluate('performance.timeOrigin') as number);
    const split = { pinField: pinField - clicked, pinSent: pinSent - clicked, tab: tabOrigin - clicked, shown: shown - clicked };
    // Logged out again (the next journey starts from the login page), the tab closed.
    await shownTab.getByRole('button', { name: 'Se déconnecter' }).click();
    await shownTab.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await shownTab.close();
    await login.close();
    const cardMs = cardLoginAndSign();
    if (i < WARMUP) continue;
    journeys.push(shown - clicked);
    card.push(cardMs);
    for (const [k, v] of Object.entries(split)) (phases[k] ??= []).push(v);
    console.log(JSON.stringify({ bench: 'browser-login', i: i - WARMUP, ms: shown - clicked, cardMs: round(cardMs), split }));
  }
  console.log(JSON.stringify({ bench: 'browser-login', part: 'split p50 (ms after the click)',
    ...Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, percentile([...v].sort((a, b) => a - b), 50)])) }));
} finally {
  await e.close();
  p11.C_Finalize();
  p11.close();
  await raw.cleanup();
}

const j = [...journeys].sort((a, b) => a - b);
const c = [...card].sort((a, b) => a - b);
const p50Ms = round(percentile(j, 50));
const cardMs = round(percentile(c, 50));
console.log(JSON.stringify({ bench: 'browser-login', part: 'card C_Login + C_Sign (raw, same latency)', p50Ms: cardMs, minMs: round(c[0]!), maxMs: round(c.at(-1)!) }));
const ratio = Math.round((p50Ms / cardMs) * 1000) / 1000;
console.log(JSON.stringify({
  bench: 'browser-login', n: j.length, latency: CPS3, pinWindow: keepPinWindow ? 'kept' : 'new', load: loadavg()[0], p50Ms, p90Ms: round(percentile(j, 90)), maxMs: round(j.at(-1)!),
  cardMs, addedP50Ms: round(p50Ms - cardMs), ratio, goalRatio: GOAL_RATIO, withinGoal: ratio <= GOAL_RATIO,
}));
