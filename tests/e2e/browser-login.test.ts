// The whole card login from the professional's browser: the service's login page → "Se connecter par carte CPx" →
// the cpxlink: link the browser hands the OS (here: intercepted and handed to the app as `bridge --open` does) → the
// app says which service asks, the PIN window → the browser is logged in and "Mon compte" shows the ids. Then the
// same for a card not linked yet (Première connexion in the app, then the browser), the relay attack, used and unknown
// transactions, and hostile links — refused before the service receives a single request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { buildLoginLink } from '../../protocol/deep-link.ts';
import { handOverArgs } from '../../bridge/instance.ts';
import { REPO_ROOT } from '../../bridge/stack.ts';
import { CARD_LOGIN, DEMO_PASSWORD, startE2EWithCard, submitProfessional, TEST_PIN, typePin, type E2E } from './harness.ts';

const SERVICE_NAME = "Service d'orientation (référence CPx Link)";
/** `text` matched literally inside a regular expression. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('card login from the browser, through CPx Link', () => {
  let e: E2E;
  before(async () => { e = await startE2EWithCard('cpe'); });
  after(async () => { await e?.close(); });

  /** The service's login page in `ctx`, its card button clicked: resolves with the page once the link went to the app. */
  async function clickCardButton(ctx: BrowserContext): Promise<{ page: Page; link: string }> {
    const page = await ctx.newPage();
    await page.goto(`${e.server!.url}/`);
    const handed = e.nextHandover();
    await page.getByRole('button', { name: CARD_LOGIN }).click();
    const { link, answer } = await handed;
    assert.ok(answer.ok, JSON.stringify(answer));
    return { page, link };
  }

  /** A fresh browser (profile) of its own whose cpxlink: links go to the app, and the app's default browser from now on. */
  async function freshDefaultBrowser(): Promise<BrowserContext> {
    const ctx = await e.browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'fr-FR' });
    e.registerScheme(ctx);
    await e.setDefaultBrowser(ctx);
    return ctx;
  }

  test('an unlinked card: the app says who asks, the PIN, Première connexion in the app, then the browser is logged in', async () => {
    e.sim.resetCounters();
    const pinWindow = e.nextPinWindow();
    const { page: login } = await clickCardButton(e.web);
    await login.getByRole('status').filter({ hasText: 'Suivez les étapes dans CPx Link' }).waitFor();

    // The app comes forward with the service's name and address, before any PIN.
    const asking = e.page.locator('section.browser-login');
    await asking.waitFor();
    await e.page.getByRole('heading', { level: 1, name: `${SERVICE_NAME} demande votre connexion par carte` }).waitFor();
    assert.match(await asking.innerText(), new RegExp(`Adresse\\s+${literally(e.server!.url)}`, 'i'));
    const pin = await pinWindow;
    assert.match(await pin.locator('.pin-requester').innerText(),
      new RegExp(`${literally(`${SERVICE_NAME} (${e.server!.url})`)} demande la signature de votre carte`));
    await e.screen('browser-01-app-asks');
    await e.screen('browser-02-pin-dialog', pin);
    await typePin(pin, TEST_PIN);

    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    assert.match(await e.page.locator('.browser-pending').innerText(), /Pour terminer votre connexion à Service d'orientation/);
    await e.screen('browser-03-first-login');
    await submitProfessional(e.page, 'demo.etab', 'not-the-password');
    await e.page.locator('.form-error[data-code="CREDENTIALS_INVALID"]').waitFor();
    const tab = e.web.waitForEvent('page');
    await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);

    // The default browser (the same one) opens the completion URL and is logged in: Mon compte with the ids…
    const account = await tab;
    await account.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor({ timeout: 20_000 });
    assert.match(await account.locator('main').innerText(), /3330999996\/CPET00001/);
    await e.screen('browser-04-compte-after-first-login', account);
    // …the app says where it ended…
    await e.page.getByRole('heading', { level: 1, name: 'Connexion terminée dans votre navigateur' }).waitFor();
    assert.match(await e.page.locator('section.done').innerText(), /Vous êtes connecté à Service d'orientation/);
    await e.screen('browser-05-app-done');
    // …and the page where the button was clicked follows by itself.
    await login.waitForURL(`${e.server!.url}/compte`, { timeout: 10_000 });
    assert.equal(e.sim.counters().C_Login, 1, 'one PIN for the whole journey, wrong password included');
    await account.close();
    await login.close();
  });

  test('a linked card: the card button, the PIN, and the browser is logged in', async () => {
    const ctx = await freshDefaultBrowser();
    e.sim.resetCounters();
    const pinWindow = e.nextPinWindow();
    const { page: login } = await clickCardButton(ctx);
    const tab = ctx.waitForEvent('page');
    await typePin(await pinWindow, TEST_PIN);
    const account = await tab;
    await account.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor({ timeout: 20_000 });
    assert.match(await account.locator('main').innerText(), /demo\.etab|NATHALIE/);
    await e.page.locator('section.browser-login[data-status="done"]').waitFor();
    assert.match(await e.page.locator('section.browser-login').innerText(), /Connexion terminée dans votre navigateur/);
    await e.screen('browser-06-app-done-linked');
    await login.waitForURL(`${e.server!.url}/compte`, { timeout: 10_000 });
    assert.equal(e.sim.counters().C_Login, 1);
    await ctx.close();
  });

  test('the same link again: the app says the request was already used, and asks no PIN', async () => {
    const ctx = await freshDefaultBrowser();
    const pinWindow = e.nextPinWindow();
    const { link } = await clickCardButton(ctx);
    await typePin(await pinWindow, TEST_PIN);
    await e.page.locator('section.browser-login[data-status="done"]').waitFor({ timeout: 20_000 });
    const answer = await handOverArgs(e.bridge.dataDir, [link]);
    assert.ok(answer.ok);
    await e.page.locator('section.browser-login[data-status="failed"]').waitFor({ timeout: 20_000 });
    assert.equal(await e.page.locator('section.browser-login').getAttribute('data-code'), 'TRANSACTION_UNKNOWN');
    assert.match(await e.page.locator('.error-message').innerText(), /inconnue ou a déjà servi\. Recommencez depuis la page du service/);
    assert.equal(e.bridge.server.pins.open, false);
    await e.screen('browser-07-app-link-used');
    await ctx.close();
  });

  test('relay: a link made in the attacker\'s browser, completed by the victim\'s app, logs the attacker in nowhere', async () => {
    const attacker = await e.browser.newContext();
    e.registerScheme(attacker); // the attacker gets the victim to open their link (a message, a page…)
    const victim = await freshDefaultBrowser(); // the victim's app opens URLs in the victim's own browser
    const pinWindow = e.nextPinWindow();
    const refused = victim.waitForEvent('page');
    const { page: attackerPage } = await clickCardButton(attacker);
    await typePin(await pinWindow, TEST_PIN);
    // The victim's browser opens the completion URL and refuses it: it did not start that login.
    const page = await refused;
    await page.getByText('Cette connexion a été demandée depuis un autre navigateur').waitFor({ timeout: 20_000 });
    await e.screen('browser-08-relay-refused', page);
    assert.notEqual(new URL(page.url()).pathname, '/compte');
    // The attacker's browser never gets a session: its page keeps waiting, Mon compte sends it back to the login page.
    const check = await attacker.newPage();
    await check.goto(`${e.server!.url}/compte`);
    assert.equal(new URL(check.url()).pathname, '/');
    assert.equal(new URL(attackerPage.url()).pathname, '/');
    await attacker.close();
    await victim.close();
  });

  test('an unknown transaction: refused by the service, said in the app, no PIN', async () => {
    const answer = await handOverArgs(e.bridge.dataDir, [buildLoginLink({ origin: e.server!.url, transaction: 'Z'.repeat(43) })]);
    assert.ok(answer.ok);
    await e.page.locator('section.browser-login[data-status="failed"][data-code="TRANSACTION_UNKNOWN"]').waitFor({ timeout: 20_000 });
    assert.equal(e.bridge.server.pins.open, false);
  });

  test('hostile links through `bridge --open`: refused in the app with a clear message, the service receives nothing', async () => {
    const origin = encodeURIComponent(e.server!.url);
    const tx = 'A'.repeat(43);
    const hostile = [
      `cpxlink://login?service=${origin}&tx=${tx}" --gpu-launcher="calc.exe`,
      `cpxlink://login?service=${origin}&tx=--no-sandbox`,
      `cpxlink://login?service=javascript%3Aalert(document.cookie)&tx=${tx}`,
      `cpxlink://login?service=file%3A%2F%2F%2Fetc%2Fpasswd&tx=${tx}`,
      `cpxlink://login?service=${origin}&tx=${tx}&pad=${'x'.repeat(20_000)}`,
      `cpxlink://login?service=${origin}&tx=${tx}&next=https%3A%2F%2Fevil.example.com`,
      `cpxlink://login?service=https%3A%2F%2Fevil.example.com&tx=${tx}`,
    ];
    const before = e.server!.requests.length;
    const open = promisify(execFile);
    // The real command line, once: a second instance's arguments, a switch before the link.
    const cli = await open(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bridge/main.ts'), '--data-dir',
      path.dirname(e.bridge.dataDir), '--no-sandbox', '--open', hostile[0]!], { cwd: REPO_ROOT }).catch((err: { code: number; stderr: string }) => err);
    assert.equal((cli as { code?: number }).code, 1, 'refused: exit 1');
    assert.match((cli as { stderr: string }).stderr, /LINK_INVALID/);
    await e.page.locator('section.browser-login[data-status="failed"][data-code="LINK_INVALID"]').waitFor();
    assert.match(await e.page.locator('.error-message').innerText(), /Ce lien de connexion CPx Link n'est pas valide.*Rien n'a été envoyé/);
    await e.screen('browser-09-app-link-refused');
    for (const link of hostile.slice(1)) {
      const answer = await handOverArgs(e.bridge.dataDir, ['cpx-link', '--flag', link]);
      assert.equal(answer.ok, false, link.slice(0, 120));
      if (!answer.ok) assert.match(answer.error.code, /^(LINK_INVALID|ORIGIN_NOT_ALLOWED)$/, link.slice(0, 120));
    }
    await e.page.locator('section.browser-login[data-code="ORIGIN_NOT_ALLOWED"]').waitFor();
    assert.match(await e.page.locator('.error-message').innerText(), /https:\/\/evil\.example\.com ne fait pas partie des services autorisés/);
    await e.screen('browser-10-app-origin-refused');
    assert.deepEqual(e.server!.requests.slice(before), [], 'not one request reached the service');
    assert.equal(e.bridge.server.pins.open, false, 'and no PIN was asked');
  });

  test('no page error and no CSP violation in the app on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
