// An establishment employee's CPE card: read on insertion, linked to the existing account through "Espace
// professionnel" (PIN in its own window), then a one-click card login; and the service's refusals, in words.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DEMO_PASSWORD, errorCode, focusedId, loginWithCard, startE2E, submitProfessional, TEST_PIN, typePin, waitCardStatus, type E2E,
} from './harness.ts';

describe('CPE card: link through Espace professionnel, then card login', () => {
  let e: E2E;
  before(async () => { e = await startE2E(); });
  after(async () => { await e?.close(); });

  test('without a card the panel says what to do next', async () => {
    await waitCardStatus(e.page, 'no-card');
    assert.match(await e.page.locator('.card-status').innerText(), /Insérez votre carte CPx/);
    // The screen-reader region announcing card changes is a polite live region.
    assert.equal(await e.page.locator('.card-status').getAttribute('aria-live'), 'polite');
    await e.screen('01-card-none');
  });

  test('an inserted card shows who it belongs to', async () => {
    await e.sim.insert('cpe');
    await waitCardStatus(e.page, 'ready');
    const identity = e.page.locator('section.identity');
    assert.equal(await e.page.getByTestId('holder-name').innerText(), 'NATHALIE PETIT');
    const text = await identity.innerText();
    assert.match(text, /CPE — Carte de Professionnel d'Établissement/);
    assert.match(text, /3330999996\/\S+ \(FINESS\)/);
    assert.match(text, /CENTRE HOSPITALIER DE TEST CPX/);
    await e.screen('02-card-identity');
  });

  test('first card login offers Espace professionnel only (not a doctor)', async () => {
    await e.page.getByRole('button', { name: 'Première connexion par carte CPX' }).click();
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor();
    assert.equal(await e.page.getByRole('heading', { name: 'Espace professionnel' }).count(), 1);
    assert.equal(await e.page.getByRole('heading', { name: 'Espace médecin libéral' }).count(), 0);
    // The region help comes from the service ("Comment obtenir un compte ?").
    await e.page.getByRole('heading', { name: 'Comment obtenir un compte ?' }).waitFor();
    await e.page.locator('#region').waitFor();
    assert.ok((await e.page.locator('#region option').count()) >= 5);
    await e.screen('03-first-login-professional');
  });

  test('empty fields are flagged and nothing is sent', async () => {
    await e.page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    assert.equal(await e.page.locator('#pro-username').getAttribute('aria-invalid'), 'true');
    assert.equal(e.bridge.server.pins.open, false);
    assert.equal(await focusedId(e.page), 'pro-username');
  });

  test('a wrong password is said in words, after the PIN', async () => {
    const pinWindow = e.nextPinWindow();
    await submitProfessional(e.page, 'demo.etab', 'not-the-password');
    await typePin(await pinWindow, TEST_PIN);
    assert.equal(await errorCode(e.page), 'CREDENTIALS_INVALID');
    assert.match(await e.page.locator('.error-message').innerText(), /Nom d'utilisateur ou mot de passe incorrect/);
    await e.screen('04-error-wrong-password');
    await e.page.getByRole('button', { name: 'Retour' }).click();
    // Back to the form as the user left it, the password not kept.
    assert.equal(await e.page.locator('#pro-username').inputValue(), 'demo.etab');
  });

  test('an inactive account is refused in words', async () => {
    const pinWindow = e.nextPinWindow();
    await submitProfessional(e.page, 'demo.inactif', DEMO_PASSWORD);
    await typePin(await pinWindow, TEST_PIN);
    assert.equal(await errorCode(e.page), 'ACCOUNT_INACTIVE');
    assert.match(await e.page.locator('.error-message').innerText(), /n'est pas actif/);
    await e.page.getByRole('button', { name: 'Retour' }).click();
  });

  test('linking: PIN dialog, "Signature en cours…", then the account page with its Id nationaux', async () => {
    const pinWindow = e.nextPinWindow();
    await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);
    const pin = await pinWindow;
    const closed = pin.waitForEvent('close', { timeout: 20_000 });
    // Progress on the main window while the PIN window waits.
    await e.page.locator('.progress-now[data-step="pin"]').waitFor();
    await e.screen('05-progress');
    // The dialog says who asks, whose card it is and how many tries are left.
    const dialog = await pin.locator('main').innerText();
    assert.match(dialog, new RegExp(`Le service 127\\.0\\.0\\.1:${e.server!.port} demande`));
    assert.match(dialog, /NATHALIE PETIT/);
    assert.match(dialog, /Il vous reste 3 essais/);
    assert.equal(await pin.locator('#pin-input').getAttribute('type'), 'password');
    await e.screen('06-pin-dialog', pin);
    await typePin(pin, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
    const ids = await e.page.locator('table.national-ids').innerText();
    assert.match(ids, /Id nationaux/);
    assert.match(ids, /FINESS\/identifiant interne\s+3330999996\//);
    assert.match(await e.page.locator('section.account').innerText(), /demo\.etab/);
    await closed; // the dialog goes away once the operation is over
    await e.screen('07-done-linked');
  });

  test('later: "Se connecter par carte CPS" — one click, PIN, logged in, and the service opens', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await loginWithCard(e);
    assert.match(await e.page.locator('section.account').innerText(), /demo\.etab/);
    await e.screen('08-logged-in');
    const tab = e.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(e.server!.url) });
    await e.page.getByRole('button', { name: 'Ouvrir le service' }).click();
    await (await tab).close();
  });

  test('the same card cannot be linked to a second account', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await e.page.getByRole('button', { name: 'Première connexion par carte CPX' }).click();
    const pinWindow = e.nextPinWindow();
    await submitProfessional(e.page, 'demo.etab2', DEMO_PASSWORD);
    await typePin(await pinWindow, TEST_PIN);
    assert.equal(await errorCode(e.page), 'CARD_ALREADY_LINKED');
    assert.match(await e.page.locator('.error-message').innerText(), /déjà associée à un autre compte/);
    // Not something to retry.
    assert.equal(await e.page.getByRole('button', { name: 'Réessayer' }).count(), 0);
    await e.screen('09-error-already-linked');
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
