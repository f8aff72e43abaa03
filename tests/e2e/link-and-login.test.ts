// An establishment employee's CPE card, in the app, in the order of the service's own guides: read on insertion,
// "Se connecter par carte CPx" (PIN in its own window), and — the card not linked yet — "Première connexion": the
// existing account through Espace professionnel, where a wrong password or an inactive account is fixed and sent again
// without another PIN. Later logins are one PIN, and "Ouvrir le service" opens the browser already logged in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SERVICE_NAME } from '../../server/service.ts';
import { CARD_LOGIN, DEMO_PASSWORD, focusedId, formErrorCode, loginWithCard, startE2E, submitProfessional, TEST_PIN, typePin, waitCardStatus, type E2E, openPinWindow } from './harness.ts';

describe('CPE card: PIN first, then Première connexion, then card logins', () => {
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

  test('an inserted card shows who it belongs to, and one way in: "Se connecter par carte CPx"', async () => {
    await e.sim.insert('cpe');
    await waitCardStatus(e.page, 'ready');
    const identity = e.page.locator('section.identity');
    assert.equal(await e.page.getByTestId('holder-name').innerText(), 'NATHALIE PETIT');
    const text = await identity.innerText();
    assert.match(text, /CPE — Carte de Professionnel d'Établissement/);
    assert.match(text, /3330999996\/\S+ \(FINESS\)/);
    assert.match(text, /CENTRE HOSPITALIER DE TEST CPX/);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).count(), 1);
    assert.equal(await e.page.getByRole('button', { name: /Première connexion/ }).count(), 0);
    await e.screen('02-card-identity');
  });

  test('the PIN dialog says who asks and whose card; then, the card unknown to the service, Première connexion', async () => {
    e.sim.resetCounters();
    const pin = await openPinWindow(e);
    await e.page.locator('.progress-now[data-step="pin"]').waitFor();
    await e.screen('05-progress');
    const dialog = await pin.locator('main').innerText();
    // No serviceName setting here: the service is named as it names itself (its challenge answer), its origin beside.
    assert.ok(dialog.includes(`${DEFAULT_SERVICE_NAME} (${e.server!.url}) demande la signature de votre carte`), dialog);
    assert.match(dialog, /NATHALIE PETIT/);
    assert.match(dialog, /Il vous reste 3 essais/);
    assert.equal(await pin.locator('#pin-input').getAttribute('type'), 'password');
    await e.screen('06-pin-dialog', pin);
    const closed = pin.waitForEvent('close', { timeout: 20_000 });
    await typePin(pin, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    await closed;
    assert.equal(await focusedId(e.page), 'first-heading');
    // The holder as the service verified the card; Espace professionnel only (not a doctor); the region help.
    assert.equal(await e.page.getByTestId('verified-holder').innerText(), 'NATHALIE PETIT');
    assert.match(await e.page.locator('.verified-holder').innerText(), /CPE · 3330999996\//);
    assert.equal(await e.page.getByRole('heading', { name: 'Espace professionnel' }).count(), 1);
    assert.equal(await e.page.getByRole('heading', { name: 'Espace médecin libéral' }).count(), 0);
    await e.page.getByRole('heading', { name: 'Comment obtenir un compte ?' }).waitFor();
    await e.page.locator('#region').waitFor();
    assert.ok((await e.page.locator('#region option').count()) >= 5);
    await e.screen('03-first-login-professional');
  });

  test('empty fields are flagged and nothing is sent', async () => {
    const sent = e.server!.requests.length;
    await e.page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    assert.equal(await e.page.locator('#pro-username').getAttribute('aria-invalid'), 'true');
    assert.equal(await focusedId(e.page), 'pro-username');
    assert.equal(e.server!.requests.length, sent);
  });

  test('a wrong password, then an inactive account: said on the form, fixed and resent — no PIN asked again', async () => {
    await submitProfessional(e.page, 'demo.etab', 'not-the-password');
    assert.equal(await formErrorCode(e.page), 'CREDENTIALS_INVALID');
    assert.match(await e.page.locator('.form-error').innerText(), /Nom d'utilisateur ou mot de passe incorrect/);
    assert.equal(await e.page.locator('#pro-username').inputValue(), 'demo.etab', 'the username kept');
    assert.equal(await e.page.locator('#pro-password').inputValue(), '', 'the wrong password not kept');
    await e.screen('04-error-wrong-password');
    await submitProfessional(e.page, 'demo.inactif', DEMO_PASSWORD);
    await e.page.locator('.form-error[data-code="ACCOUNT_INACTIVE"]').waitFor();
    assert.match(await e.page.locator('.form-error').innerText(), /n'est pas actif/);
    assert.equal(e.bridge.server.pins.open, false);
  });

  test('the right account: linked, the account page with its Id nationaux — one C_Login for the whole first login', async () => {
    await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
    const ids = await e.page.locator('table.national-ids').innerText();
    assert.match(ids, /Id nationaux/);
    assert.match(ids, /FINESS\/identifiant interne\s+3330999996\//);
    assert.match(await e.page.locator('section.account').innerText(), /demo\.etab/);
    assert.equal(e.sim.counters().C_Login, 1, 'exactly one C_Login: the wrong password and the inactive account cost no PIN');
    await e.screen('07-done-linked');
  });

  test('later: one click, the PIN, logged in; "Ouvrir le service" opens the browser already logged in', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await loginWithCard(e);
    assert.match(await e.page.locator('section.account').innerText(), /demo\.etab/);
    await e.screen('08-logged-in');
    const tab = e.web.waitForEvent('page');
    await e.page.getByRole('button', { name: 'Ouvrir le service' }).click();
    const service = await tab;
    await service.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor({ timeout: 20_000 });
    // Answered at the one-time URL itself; the address bar then shows Mon compte's own address (a reload works).
    await service.waitForURL(`${e.server!.url}/compte`, { timeout: 10_000 });
    await service.reload();
    await service.getByRole('heading', { level: 1, name: 'Mon compte' }).waitFor();
    assert.match(await service.locator('main').innerText(), /3330999996\/CPET00001/);
    await e.screen('browser-app-open-service', service);
    await service.close();
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
