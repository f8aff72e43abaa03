// The reference service's own pages in Chromium: the login page, the password form (wrong, then right), "Mon compte"
// with the national ids, logout, and the card button's browser login with the app's part played by the test (the
// transaction's challenge signed with the test PKI's card key, as CPx Link would after the PIN). Screenshots
// browser-*.png, axe-core on every screen, and no console error or CSP violation on the service's pages.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseLoginLink } from '../../protocol/deep-link.ts';
import { startHarness } from '../server/harness.ts';
import type { Harness } from '../server/harness.ts';
import { cardSigner } from '../server/tokens.ts';
import type { CardSigner } from '../server/tokens.ts';
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, SCREENSHOTS } from './harness.ts';

describe('the service\'s pages in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cpe: CardSigner;
  const problems: string[] = [];

  const screen = async (name: string, p = page) => {
    await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    await assertAccessible(p, name);
  };
  const watch = (p: Page) => {
    p.on('console', (m) => { if (m.type() === 'error') problems.push(`${p.url()}: ${m.text()}`); });
    p.on('pageerror', (e) => problems.push(`${p.url()}: ${e.message}`));
  };

  before(async () => {
    h = await startHarness('pglite');
    cpe = await cardSigner('cpe');
    // demo.etab has its CPE linked, so that Mon compte shows an id and the card button logs it in.
    const nonce = await h.challenge();
    const linked = await h.post('/api/cards/link', { token: await cpe.token(h.server.origin, nonce), nonce, username: 'demo.etab', password: DEMO_PASSWORD });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'fr-FR' });
    context.on('page', watch);
    page = await context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await h?.cleanup();
  });

  it('shows the login page: the card button and the usual username and password', async () => {
    await page.goto(h.server.url + '/');
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await page.getByRole('button', { name: 'Se connecter par carte CPx' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await screen('browser-login-page');
  });

  it('says what went wrong on a wrong password, keeping the username', async () => {
    await page.getByLabel("Nom d'utilisateur", { exact: true }).fill('demo.etab');
    await page.getByLabel('Mot de passe').fill('wrong-password');
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: "Nom d'utilisateur ou mot de passe incorrect." }).waitFor();
    assert.equal(await page.getByLabel("Nom d'utilisateur", { exact: true }).inputValue(), 'demo.etab');
    await screen('browser-password-error');
  });

  it('logs in with the password and shows Mon compte with the national ids, then logs out', async () => {
    await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/compte');
    await page.getByRole('heading', { level: 2, name: 'Id nationaux' }).waitFor();
    assert.equal(await page.locator('.ids dt').first().textContent(), 'FINESS/identifiant interne');
    assert.equal(await page.locator('.ids dd').first().textContent(), '3330999996/CPET00001');
    await page.getByRole('navigation', { name: "Fil d'Ariane" }).getByText('Administration').waitFor();
    await screen('browser-compte');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await page.goto(h.server.url + '/compte');
    assert.equal(new URL(page.url()).pathname, '/', 'no session any more');
  });

  it('logs in with the card button: the link for CPx Link, then Mon compte once the app has finished in this browser', async () => {
    await page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
    const fallback = page.getByRole('link', { name: "CPx Link ne s'ouvre pas ? Cliquez ici" });
    await fallback.waitFor();
    await page.getByRole('status').filter({ hasText: 'Suivez les étapes dans CPx Link (code porteur).' }).waitFor();
    const link = parseLoginLink(await fallback.getAttribute('href'));
    assert.equal(link.origin, h.server.origin);
    await screen('browser-card-waiting');

    // CPx Link: the transaction's challenge, signed by the card after the PIN, then the completion.
    const challenge = await h.post('/api/transactions/challenge', { transaction: link.transaction });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
    const done = await h.post('/api/transactions/complete', {
      transaction: link.transaction, nonce: challenge.body.nonce, token: await cpe.token(h.server.origin, challenge.body.nonce) });
    assert.equal(done.body.status, 'logged-in', JSON.stringify(done.body));
    // The app opens the completion URL in the default browser: a new tab of this same browser.
    const tab = await context.newPage();
    await tab.goto(done.body.completeUrl);
    await tab.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor();
    // The waiting page notices this browser now has a session and goes to Mon compte by itself.
    await page.waitForURL(h.server.url + '/compte', { timeout: 10_000 });
    await page.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor();
    await tab.close();
  });

  it('reported no script error and no CSP violation on the way', () => {
    // Chromium logs the form's answer to the wrong password (401, on purpose) as a failed load: that one is expected.
    const wrongPassword = `${h.server.url}/connexion: Failed to load resource: the server responded with a status of 401 (Unauthorized)`;
    assert.deepEqual(problems.filter((p) => p !== wrongPassword), []);
  });
});
