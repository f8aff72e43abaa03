// The PIN window kept across operations (the bridge's --keep-pin-window, as the Electron shell keeps its PIN window
// ready): a question shows in a page already loaded. In a real browser: two card logins in a row through one window
// (its field empty again for the second), a cancel that leaves the window for the next login, a wrong PIN asked
// again in the same window, and a window the user closed opened again at the next question.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CARD_LOGIN, cardLoginInApp, DEMO_PASSWORD, startE2EWithCard, submitProfessional, TEST_PIN, typePin, type E2E } from './harness.ts';

describe('a kept PIN window', () => {
  let e: E2E;
  let pin: Page;
  before(async () => {
    e = await startE2EWithCard('cpe', { keepPinWindow: true });
    // The card linked once (its PIN window is the one kept from now on).
    const opened = e.nextPinWindow();
    if (await cardLoginInApp(e, TEST_PIN) === 'first-login') {
      await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);
      await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
    }
    pin = await opened;
  });
  after(async () => { await e?.close(); });

  const pinPages = () => e.context.pages().filter((p) => p.url().includes('/pin.html'));
  /** The app's card login started from its home screen. */
  const startLogin = async () => {
    const home = e.page.getByRole('button', { name: "Retour à l'accueil" });
    if (await home.isVisible()) await home.click();
    await e.page.getByRole('button', { name: CARD_LOGIN }).click();
  };
  const loggedIn = () => e.page.getByRole('heading', { level: 1, name: 'Vous êtes connecté' }).waitFor({ timeout: 20_000 });
  /** The page's own marker, set once per load: tells a reloaded page (reset) from the one that showed the question. */
  const mark = (p: Page) => p.evaluate('window.__load ??= Math.random()') as Promise<number>;

  test('two card logins in a row go through one window; it is reset in between, its field empty', async () => {
    await startLogin();
    await pin.locator('#pin-heading').waitFor();
    const firstLoad = await mark(pin);
    await typePin(pin, TEST_PIN);
    await loggedIn();
    // The operation is over: the same window, reloaded, waits for the next question.
    await pin.getByRole('status').filter({ hasText: 'En attente de la demande' }).waitFor({ timeout: 10_000 });
    assert.notEqual(await mark(pin), firstLoad, 'the page started afresh');
    assert.equal(pin.isClosed(), false);
    assert.equal(e.bridge.server.pins.open, true);

    const logins = e.sim.counters().C_Login ?? 0;
    await startLogin();
    await pin.locator('#pin-heading').waitFor();
    assert.equal(await pin.locator('#pin-input').inputValue(), '', 'nothing of the last PIN');
    await typePin(pin, TEST_PIN);
    await loggedIn();
    assert.equal(pinPages().length, 1, 'no second window');
    assert.equal((e.sim.counters().C_Login ?? 0) - logins, 1);
  });

  test('a wrong PIN is asked again in the same window; a cancel leaves the window for the next login', async () => {
    await startLogin();
    await pin.locator('#pin-heading').waitFor();
    await typePin(pin, '9999');
    await pin.locator('.pin-error').waitFor({ timeout: 20_000 });
    await pin.getByRole('button', { name: 'Annuler' }).click();
    await e.page.locator('.notice').waitFor();
    assert.match(await e.page.locator('.notice').innerText(), /Opération annulée/);
    await pin.getByRole('status').filter({ hasText: 'En attente de la demande' }).waitFor({ timeout: 10_000 });
    assert.equal(pin.isClosed(), false);

    await startLogin();
    await pin.locator('#pin-heading').waitFor();
    assert.equal(await pin.locator('.pin-error').count(), 0, 'the last question\'s error is gone');
    await typePin(pin, TEST_PIN);
    await loggedIn();
    assert.equal(pinPages().length, 1);
  });

  test('a window the user closed between logins is opened again at the next question', async () => {
    // Closed once it shows it waits (its page reloads as the last login ends: a page still loading has no say yet).
    await pin.getByRole('status').filter({ hasText: 'En attente de la demande' }).waitFor({ timeout: 10_000 });
    // As the window's close button does (a page closed by Playwright goes without its pagehide).
    const closed = pin.waitForEvent('close');
    await pin.evaluate('window.close()');
    await closed;
    // Its departure reaches the bridge as a beacon.
    for (let i = 0; i < 50 && e.bridge.server.pins.open; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(e.bridge.server.pins.open, false);
    const opened = e.nextPinWindow();
    await startLogin();
    const again = await opened;
    assert.notEqual(again, pin);
    await typePin(again, TEST_PIN);
    await loggedIn();
    assert.equal(pinPages().length, 1);
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
