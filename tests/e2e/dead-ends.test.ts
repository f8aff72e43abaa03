// Every card flow has a way out: "Annuler" in the main window while it runs, and a main page that goes away (reload,
// closed) ends the flow it showed, so the card is free at once instead of SERVICE_BUSY until the PIN prompt gives up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cardLoginInApp, DEMO_PASSWORD, errorCode, startE2EWithCard, submitProfessional, TEST_PIN, typePin, waitCardStatus, type E2E, openPinWindow, pinWindowAtLastTry } from './harness.ts';

describe('a way out of every card flow', () => {
  let e: E2E;
  before(async () => { e = await startE2EWithCard('cps-pharmacien'); });
  after(async () => { await e?.close(); });

  test('"Annuler" in the main window while the PIN is asked: the PIN window closes, nothing reaches the card', async () => {
    const before = e.sim.counters()['C_Login'] ?? 0;
    const pin = await openPinWindow(e);
    const cancel = e.page.locator('.working').getByRole('button', { name: 'Annuler' });
    await cancel.waitFor();
    await e.screen('deadend-working-cancel');
    const closed = pin.waitForEvent('close');
    await cancel.click();
    await closed;
    await e.page.locator('.notice').waitFor();
    assert.match(await e.page.locator('.notice').innerText(), /Opération annulée/);
    assert.equal(e.sim.counters()['C_Login'] ?? 0, before);
    assert.equal(e.bridge.server.pins.open, false);
  });

  test('the main page reloaded with the PIN window open: the flow ends, and the card is usable again at once', async () => {
    const first = e.nextPinWindow();
    await e.page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
    const pin = await first;
    const closed = pin.waitForEvent('close');
    await e.page.reload();
    await closed;
    await waitCardStatus(e.page, 'ready');
    // No SERVICE_BUSY: the next login asks for the PIN straight away and goes through.
    const again = e.nextPinWindow();
    await e.page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
    await typePin(await again, TEST_PIN);
    await e.page.locator('.first-login, .done').first().waitFor({ timeout: 20_000 });
    assert.equal(await e.page.locator('.error-screen').count(), 0);
  });

  test('a blocked card: its help is shown once, beside the error, not twice', async () => {
    await e.page.goto(e.bridge.url);
    await e.sim.insert('cps-infirmier');
    await e.page.getByTestId('holder-name').getByText('CAMILLE MERCIER').waitFor();
    const pin = await pinWindowAtLastTry(e);
    await pin.getByLabel('J’ai compris : c’est mon dernier essai').check();
    await pin.getByRole('button', { name: 'Valider' }).click();
    assert.equal(await errorCode(e.page), 'PIN_LOCKED');
    await waitCardStatus(e.page, 'blocked');
    assert.equal(await e.page.locator('.blocked-help').count(), 1);
    await e.screen('deadend-card-blocked-help-once');
  });

  test('the service down: the sentence says what to do; the host, its socket error and the code are in "Détails"', async () => {
    await e.page.getByRole('button', { name: 'Retour' }).click();
    await e.sim.insert('cps-pharmacien');
    await waitCardStatus(e.page, 'ready');
    await e.server!.stop();
    try {
      await e.page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
      assert.equal(await errorCode(e.page), 'SERVICE_UNREACHABLE');
      const shown = await e.page.locator('.error-screen').innerText();
      assert.match(shown, /Le service ne répond pas\. Vérifiez votre connexion réseau/);
      assert.doesNotMatch(shown, /ECONNREFUSED|127\.0\.0\.1|SERVICE_UNREACHABLE|Code :/, shown);
      await e.page.locator('.error-details summary', { hasText: 'Détails' }).click();
      assert.match(await e.page.locator('.error-details').innerText(), /Code : SERVICE_UNREACHABLE[\s\S]*127\.0\.0\.1:\d+: \w+/);
      await e.screen('deadend-error-details-open');
    } finally {
      await e.server!.restart();
    }
  });

  test('the service down: the region\'s support still shows (the copy shipped with the app), its e-mail and phone as links', async () => {
    await e.page.goto(e.bridge.url); // a fresh page: nothing the service said before is kept in it
    await waitCardStatus(e.page, 'ready');
    await e.server!.stop();
    try {
      await e.page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
      assert.equal(await errorCode(e.page), 'SERVICE_UNREACHABLE');
      const help = e.page.locator('.region-support');
      await help.waitFor();
      assert.match(await help.innerText(), /Besoin d’aide \?[\s\S]*contactez le support de votre région/);
      await help.getByLabel('Votre région').selectOption('nouvelle-aquitaine');
      assert.equal(await help.getByRole('link', { name: 'support-na@example.org' }).getAttribute('href'), 'mailto:support-na@example.org');
      assert.equal(await help.getByRole('link', { name: '0805 690 656' }).getAttribute('href'), 'tel:+33805690656');
      // Every region of the shipped copy has someone to reach.
      for (const id of ['centre-val-de-loire', 'grand-est', 'ile-de-france', 'normandie', 'auvergne-rhone-alpes', 'autres']) {
        await help.getByLabel('Votre région').selectOption(id);
        assert.ok(await help.locator('.support a').count() >= 1, `${id}: a contact link`);
      }
      await help.getByLabel('Votre région').selectOption('nouvelle-aquitaine');
      await e.screen('deadend-service-down-region-support');
    } finally {
      await e.server!.restart();
    }
  });

  test('Mon compte of a doctor whose CPS is linked to an establishment account: how to link a « Médecin libéral » account', async () => {
    await e.page.goto(e.bridge.url);
    await e.sim.insert('cps-medecin');
    await e.page.getByTestId('holder-name').getByText('LUCIE BERNARD').waitFor();
    assert.equal(await cardLoginInApp(e), 'first-login');
    await submitProfessional(e.page, 'demo.etab2', DEMO_PASSWORD);
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
    const help = e.page.locator('.doctor-link');
    await help.getByRole('heading', { name: 'Pour associer un compte « Médecin libéral » à votre compte' }).waitFor();
    assert.match(await help.innerText(), /Espace médecin libéral ne vous est plus proposé[\s\S]*support de votre région/);
    // demo.etab2's region (Nouvelle-Aquitaine): its support, as links.
    assert.equal(await help.getByRole('link', { name: 'support-na@example.org' }).getAttribute('href'), 'mailto:support-na@example.org');
    assert.equal(await help.getByRole('link', { name: '0805 690 656' }).getAttribute('href'), 'tel:+33805690656');
    await e.screen('deadend-account-doctor-link');
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
