// The PIN dialog as the user meets it: a wrong PIN then the right one in the same window, digits only, Escape,
// the PIN-pad reader, and three wrong PINs blocking the card — with no fourth attempt ever sent to it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ProvisionedCard } from '../helpers/sim.ts';
import { CARD_LOGIN, DEMO_PASSWORD, errorCode, loginWithCard, startE2E, submitProfessional, TEST_PIN, typePin, waitCardStatus, type E2E, openPinWindow } from './harness.ts';

describe('PIN dialog', () => {
  let e: E2E;
  let pharmacist: ProvisionedCard;
  before(async () => {
    e = await startE2E();
    pharmacist = await e.sim.insert('cps-pharmacien');
    await waitCardStatus(e.page, 'ready');
  });
  after(async () => { await e?.close(); });

  test('a wrong PIN keeps the dialog open with the error and the tries left; the right one goes through', async () => {
    const pin = await openPinWindow(e);
    await typePin(pin, '0000');
    await pin.locator('.pin-error').waitFor();
    assert.match(await pin.locator('.pin-error').innerText(), /Code porteur incorrect/);
    assert.match(await pin.locator('.pin-tries').innerText(), /Il vous reste 2 essais/);
    assert.equal(await pin.locator('#pin-input').inputValue(), '', 'the field is empty again');
    await e.screen('13-pin-wrong', pin);
    await typePin(pin, TEST_PIN);
    // Not linked yet: Première connexion, where the pharmacist links the card without typing the PIN again.
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    await submitProfessional(e.page, 'demo.pharma', DEMO_PASSWORD);
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
  });

  test('the field takes digits only, 4 to 8, masked; Valider waits for 4', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    const pin = await openPinWindow(e);
    const field = pin.locator('#pin-input');
    await field.focus();
    await pin.keyboard.type('12ab');
    assert.equal(await field.inputValue(), '12');
    assert.match(await pin.locator('#pin-problem').innerText(), /uniquement des chiffres/);
    assert.equal(await pin.getByRole('button', { name: 'Valider' }).isDisabled(), true);
    await pin.keyboard.type('3456789');
    assert.equal(await field.inputValue(), '12345678', 'at most 8 digits');
    assert.equal(await field.getAttribute('type'), 'password');

    // Escape cancels: nothing reaches the card, the user is back where they were.
    const closed = pin.waitForEvent('close');
    const before = e.sim.counters()['C_Login'] ?? 0;
    // The window may close before the key press call returns: that is the point.
    await pin.keyboard.press('Escape').catch((err: Error) => { if (!pin.isClosed()) throw err; });
    await closed;
    await e.page.locator('.notice').waitFor();
    assert.match(await e.page.locator('.notice').innerText(), /Opération annulée/);
    assert.equal(e.sim.counters()['C_Login'] ?? 0, before);
  });

  test('PIN-pad reader: "Saisissez votre code sur le lecteur", a countdown, no text field', async () => {
    e.sim.setPinpad(0, true);
    e.sim.setLatency({ pinpadMs: 1500 });
    e.sim.typeOnPinpad(0, TEST_PIN);
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    const pin = await openPinWindow(e);
    await pin.locator('.pinpad').waitFor();
    assert.match(await pin.locator('.pinpad').innerText(), /Saisissez votre code sur le lecteur/);
    assert.match(await pin.locator('.countdown').innerText(), /Temps restant : \d+ secondes/);
    assert.equal(await pin.locator('input').count(), 0);
    await e.screen('14-pin-pad', pin);
    await e.page.getByRole('heading', { level: 1, name: 'Vous êtes connecté' }).waitFor({ timeout: 20_000 });
    e.sim.setPinpad(0, false);
    e.sim.setLatency({ pinpadMs: 0 });
  });

  test('PIN-pad reader: "Annuler" while the reader waits closes the dialog and nothing is signed', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    e.sim.setPinpad(0, true);
    e.sim.typeOnPinpad(0, null);
    const signs = e.sim.counters()['C_Sign'] ?? 0;
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    const pin = await openPinWindow(e);
    await pin.locator('.pinpad').waitFor();
    const closed = pin.waitForEvent('close');
    await pin.getByRole('button', { name: 'Annuler' }).click().catch((err: Error) => { if (!pin.isClosed()) throw err; });
    await closed;
    await e.page.locator('.notice').waitFor();
    assert.match(await e.page.locator('.notice').innerText(), /Opération annulée/);
    // The reader still waits for its code; once typed, the card service ends the login without signing.
    e.sim.typeOnPinpad(0, TEST_PIN);
    await e.page.getByRole('button', { name: 'Actualiser' }).click(); // a card read queues behind that login
    await waitCardStatus(e.page, 'ready');
    assert.equal(e.sim.counters()['C_Sign'] ?? 0, signs, 'no signature after the cancel');
    e.sim.setPinpad(0, false);
    e.sim.typeOnPinpad(0, null);

    // And the card works as before: a plain card login.
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    await loginWithCard(e);
  });

  test('a submit the host refuses is shown in the PIN page, which takes the PIN again instead of waiting in "sent"', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    const pin = await openPinWindow(e);
    // The first submit reaches the bridge altered, with a PIN its rule refuses (PIN_FORMAT); nothing reaches the card.
    let altered = false;
    await pin.route('**/submit', async (route) => {
      if (altered) return route.continue();
      altered = true;
      await route.continue({ postData: JSON.stringify({ pin: '12a4', confirmFinalTry: false }) });
    });
    const logins = e.sim.counters()['C_Login'] ?? 0;
    await typePin(pin, TEST_PIN);
    await pin.locator('.pin-error').waitFor();
    assert.match(await pin.locator('.pin-error').innerText(), /Le code porteur doit comporter de 4 à 8 chiffres/);
    assert.equal(await pin.locator('#pin-input').isEditable(), true, 'back to the field');
    assert.equal(e.sim.counters()['C_Login'] ?? 0, logins, 'the refused PIN never reached the card');
    await typePin(pin, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'Vous êtes connecté' }).waitFor({ timeout: 20_000 });
    assert.equal(altered, true);
  });

  test('three wrong PINs: final-try confirmation, then the blocked card screen and no fourth attempt', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await e.sim.insert('cps-infirmier');
    await e.page.getByTestId('holder-name').getByText('CAMILLE MERCIER').waitFor();
    e.sim.resetCounters();
    const pin = await openPinWindow(e);
    await typePin(pin, '0000');
    await pin.locator('.pin-tries', { hasText: '2 essais' }).waitFor();
    await typePin(pin, '0000');

    // Last try: a warning, and Valider stays off until the user confirms.
    await pin.locator('.final-try').waitFor();
    assert.match(await pin.locator('.final-try').innerText(), /dernier essai/);
    await pin.locator('#pin-input').focus();
    await pin.keyboard.type('0000');
    assert.equal(await pin.getByRole('button', { name: 'Valider' }).isDisabled(), true);
    await e.screen('15-pin-final-try', pin);
    await pin.getByLabel('J’ai compris : c’est mon dernier essai').check();
    await pin.getByRole('button', { name: 'Valider' }).click();

    assert.equal(await errorCode(e.page), 'PIN_LOCKED');
    assert.match(await e.page.locator('.error-message').innerText(), /La carte est bloquée/);
    assert.match(await e.page.locator('.error-screen').innerText(), /code de déblocage \(PUK/);
    assert.equal(await e.page.getByRole('button', { name: 'Réessayer' }).count(), 0);
    await waitCardStatus(e.page, 'blocked');
    await e.screen('16-error-card-blocked');
    await e.page.getByRole('button', { name: 'Retour' }).click();
    // Home: the blocked card, how to unblock it, and nothing that would send it a PIN.
    assert.match(await e.page.locator('.card-panel').innerText(), /Carte bloquée[\s\S]*PUK/);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).count(), 0);
    await e.screen('17-card-blocked');
    assert.equal(e.sim.counters()['softhsm.C_Login'], 3, 'exactly three PINs reached the card');
    assert.equal(e.sim.counters()['C_Login'], 3, 'no fourth attempt');
    void pharmacist;
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
