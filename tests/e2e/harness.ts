// End-to-end harness: the real UI in Debian's Chromium (playwright-core), through the development bridge, backed by
// the real card service over the simulator (private state dir) and the reference service (PGlite, demo accounts).
// Every screen a test reaches is photographed (CPX_SCREENSHOTS) and scanned with axe-core.
//
// Two browser contexts: `context` is the app (its main window and PIN dialog, served by the bridge), `web` is the
// professional's own browser (the service's pages). The harness plays the OS between them: a `cpxlink:` navigation in
// `web` is handed to the app as a second instance's arguments (bridge/instance.ts, what `bridge --open` does), and
// what the app opens in "the default browser" opens as a new tab of `web` (or of whichever context a test makes the
// default browser, e.g. the victim's in the relay test).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEEP_LINK_SCHEME } from '../../protocol/deep-link.ts';
import { handOverArgs, type HandOverAnswer } from '../../bridge/instance.ts';
import { startReferenceServer, type ReferenceServer } from '../../bridge/reference-server.ts';
import { REPO_ROOT, startBridge, type BridgeStack } from '../../bridge/stack.ts';
import { makeSim, type Sim, type SimOptions } from '../helpers/sim.ts';

export const CHROMIUM = process.env.CPX_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOTS = path.resolve(REPO_ROOT, process.env.CPX_SCREENSHOTS || 'tests/e2e/screenshots');
export const DEMO_PASSWORD = 'Demo-CPx-2026!';
export const TEST_PIN = '1234';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface E2EOptions {
  readers?: number;
  lang?: 'fr' | 'en';
  policyDir?: string;
  /** Start without the reference service (tests that only look at card states). */
  noService?: boolean;
  /** Card service environment override (e.g. a missing PKCS#11 module). */
  cardEnv?: NodeJS.ProcessEnv;
  /** Simulator latencies (default zero; the bench uses a real card's). */
  latency?: SimOptions['latency'];
  /** Card service polling period (default 100 ms: tests see card changes at once). */
  pollMs?: number;
  /** The service's request log, counted in `server.requests` (default on; the bench spares the work). */
  logServiceRequests?: boolean;
  /** One PIN window kept across operations (the bridge's --keep-pin-window), as the Electron shell keeps one ready. */
  keepPinWindow?: boolean;
}

export interface E2E {
  readonly sim: Sim;
  readonly server: ReferenceServer | null;
  readonly bridge: BridgeStack;
  readonly browser: Browser;
  /** The app: its main window (`page`) and PIN dialog. */
  readonly context: BrowserContext;
  readonly page: Page;
  /** The professional's default browser, where the service's pages are (the OS plays its cpxlink: links to the app). */
  readonly web: BrowserContext;
  /** Each hand-over of a cpxlink: link to the app and what the app answered. */
  readonly handovers: { link: string; answer: HandOverAnswer }[];
  /** Makes `ctx` the browser the app opens URLs in (openExternal); it gets a window of its own (one page). */
  setDefaultBrowser(ctx: BrowserContext): Promise<void>;
  /** Plays the OS for `ctx`: its cpxlink: navigations are handed to the app (done for `web` already). */
  registerScheme(ctx: BrowserContext): void;
  /** Resolves once the hand-over of the next cpxlink: link has been answered by the app. */
  nextHandover(): Promise<{ link: string; answer: HandOverAnswer }>;
  /** Problems the pages reported (CSP violations, uncaught errors): a test ends by asserting there are none. */
  readonly pageProblems: string[];
  /** Screenshot + axe scan (0 serious/critical violations) of what `page` shows now. */
  screen(name: string, page?: Page): Promise<void>;
  /** The PIN window the next flow opens (the bridge opens it from the main page, on the PIN origin). */
  nextPinWindow(): Promise<Page>;
  close(): Promise<void>;
}

export async function startE2E(opts: E2EOptions = {}): Promise<E2E> {
  const work = mkdtempSync(path.join(tmpdir(), 'cpx-e2e-'));
  const sim = await makeSim({ readers: opts.readers ?? 1, latency: opts.latency ?? 'zero' });
  const cardEnv = { ...process.env, ...sim.env, ...opts.cardEnv };
  let server: ReferenceServer | null = null;
  let bridge: BridgeStack | null = null;
  let browser: Browser | null = null;
  // The default browser is known once the contexts exist; the app may only open URLs after that anyway. Like a
  // browser the OS hands a URL to, it has a window open, in which the URL gets a new tab at once.
  let defaultBrowser: { context: BrowserContext; window: Page } | null = null;
  const openExternal = async (url: string) => {
    await defaultBrowser!.window.evaluate(`void window.open(${JSON.stringify(url)}, '_blank', 'noopener')`);
  };
  try {
    server = opts.noService ? null
      : await startReferenceServer({ dataDir: path.join(work, 'service'), env: cardEnv, logRequests: opts.logServiceRequests ?? true });
    bridge = await startBridge({
      serviceUrl: server?.url ?? 'http://127.0.0.1:9', dataDir: path.join(work, 'app'), cardEnv, policyDir: opts.policyDir,
      lang: opts.lang, pollMs: opts.pollMs ?? 100, output: () => {}, openExternal, keepPinWindow: opts.keepPinWindow,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (err) {
    await bridge?.close();
    await server?.stop();
    await sim.cleanup();
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const contextOptions = { viewport: { width: 1024, height: 800 }, locale: opts.lang === 'en' ? 'en-GB' : 'fr-FR' };
  const context = await browser.newContext(contextOptions);
  const web = await browser.newContext(contextOptions);
  const useAsDefaultBrowser = async (ctx: BrowserContext) => { defaultBrowser = { context: ctx, window: await ctx.newPage() }; };
  await useAsDefaultBrowser(web);
  const handovers: { link: string; answer: HandOverAnswer }[] = [];
  const handoverWaiters: ((h: { link: string; answer: HandOverAnswer }) => void)[] = [];
  const registerScheme = (ctx: BrowserContext) => {
    ctx.on('request', (r) => {
      const url = r.url();
      if (url.slice(0, DEEP_LINK_SCHEME.length + 1).toLowerCase() !== `${DEEP_LINK_SCHEME}:`) return;
      void handOverArgs(bridge!.dataDir, [url]).then((answer) => {
        const h = { link: url, answer };
        handovers.push(h);
        for (const w of handoverWaiters.splice(0)) w(h);
      });
    });
  };
  registerScheme(web);
  const pageProblems: string[] = [];
  const ours = (url: string) => url.startsWith(bridge!.url) || url.startsWith(bridge!.server.pinOrigin);
  const watch = (p: Page) => {
    // Only the app's own pages (a tab opened on the service is the service's business).
    p.on('console', (m) => { if (m.type() === 'error' && ours(p.url())) pageProblems.push(`${p.url()}: ${m.text()}`); });
    p.on('pageerror', (e) => { if (ours(p.url())) pageProblems.push(`${p.url()}: ${e.message}`); });
  };
  context.on('page', watch);
  const page = await context.newPage();
  await page.goto(bridge.url);
  mkdirSync(SCREENSHOTS, { recursive: true });

  const b = bridge;
  const br = browser;
  return {
    sim, server, bridge: b, browser: br, context, page, web, handovers, pageProblems,
    setDefaultBrowser: useAsDefaultBrowser,
    registerScheme,
    nextHandover: () => new Promise((resolve) => { handoverWaiters.push(resolve); }),
    async screen(name, p = page) {
      await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
      await assertAccessible(p, name);
    },
    async nextPinWindow() {
      const w = await context.waitForEvent('page', { predicate: (p) => p.url().includes('/pin.html'), timeout: 20_000 });
      await w.waitForSelector('#pin-heading');
      return w;
    },
    async close() {
      await web.close().catch(() => {});
      await context.close().catch(() => {});
      await br.close().catch(() => {});
      await b.close().catch(() => {});
      await server?.stop();
      await sim.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** axe-core in the page (evaluated over the DevTools protocol, so the page's CSP stays as strict as it is). */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  // A string, not a function: this file is compiled without the DOM types.
  const violations = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) =>
    ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))`) as
    { id: string; impact: string; help: string; targets: string[] }[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe on screen "${name}": ${JSON.stringify(serious, null, 1)}`);
}

/** Types the PIN in the PIN window and presses Enter, as a user would. */
export async function typePin(pinPage: Page, pin: string): Promise<void> {
  const field = pinPage.locator('#pin-input');
  await field.waitFor();
  await field.focus();
  await pinPage.keyboard.type(pin);
  await pinPage.keyboard.press('Enter');
}

export const CARD_LOGIN = 'Se connecter par carte CPx';

/** "Se connecter par carte CPx" in the app; resolves with the PIN window it opened. */
export async function openPinWindow(e: E2E): Promise<Page> {
  const pinWindow = e.nextPinWindow();
  await e.page.getByRole('button', { name: CARD_LOGIN }).click();
  return await pinWindow;
}

/** Two wrong PINs, then a third typed but not sent: the PIN window as it shows the card's last try. */
export async function pinWindowAtLastTry(e: E2E): Promise<Page> {
  const pin = await openPinWindow(e);
  await typePin(pin, '0000');
  await pin.locator('.pin-tries', { hasText: '2 essais' }).waitFor();
  await typePin(pin, '0000');
  await pin.locator('.final-try').waitFor();
  await pin.locator('#pin-input').focus();
  await pin.keyboard.type('0000');
  return pin;
}

/** "Se connecter par carte CPx" in the app, PIN in its window; resolves once the app says where that led. */
export async function cardLoginInApp(e: E2E, pin = TEST_PIN): Promise<'logged-in' | 'first-login'> {
  const pinWindow = e.nextPinWindow();
  await e.page.getByRole('button', { name: CARD_LOGIN }).click();
  await typePin(await pinWindow, pin);
  const loggedIn = e.page.getByRole('heading', { level: 1, name: 'Vous êtes connecté' });
  const firstLogin = e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' });
  await loggedIn.or(firstLogin).waitFor({ timeout: 20_000 });
  return await loggedIn.isVisible() ? 'logged-in' : 'first-login';
}

/** The card login of a linked card, from the home screen: the PIN, then the logged-in page. */
export async function loginWithCard(e: E2E, pin = TEST_PIN): Promise<void> {
  assert.equal(await cardLoginInApp(e, pin), 'logged-in');
}

/** Waits until the card panel shows one of these statuses (data-status on its live region: ready, no-card, blocked, …). */
/** A suite's own app, service and browser, with a card of `profile` in the reader and shown as ready. */
export async function startE2EWithCard(profile: string, opts: E2EOptions = {}): Promise<E2E> {
  const e = await startE2E(opts);
  await e.sim.insert(profile);
  await waitCardStatus(e.page, 'ready');
  return e;
}

export async function waitCardStatus(page: Page, ...statuses: string[]): Promise<void> {
  await page.locator(statuses.map((s) => `.card-status[data-status="${s}"]`).join(', ')).waitFor({ timeout: 20_000 });
}

/** Fills Espace professionnel and presses "Se connecter" (no PIN: the card login already proved the card). */
export async function submitProfessional(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#pro-username').fill(username);
  await page.locator('#pro-password').fill(password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
}

/** The error shown on the Première connexion form (data-code), once there is one. */
export async function formErrorCode(page: Page): Promise<string | null> {
  const el = page.locator('.form-error');
  await el.waitFor({ timeout: 20_000 });
  return el.getAttribute('data-code');
}

/** The error screen's code (data-code), once it is shown. */
export async function errorCode(page: Page): Promise<string | null> {
  const el = page.locator('.error-screen');
  await el.waitFor({ timeout: 20_000 });
  return el.getAttribute('data-code');
}

/** The id of the element that has the keyboard focus. */
export async function focusedId(page: Page): Promise<string> {
  return await page.evaluate('document.activeElement ? document.activeElement.id : ""') as string;
}
