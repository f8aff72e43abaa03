// A doctor's CPS card on its first login: the PIN once, then "Espace médecin libéral" creates the independent doctor's
// account from the card as the service verified it (Nom, Prénom, Profession read-only) and the form, checked field
// by field before anything is sent — and sent without another PIN.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cardLoginInApp, focusedId, loginWithCard, startE2E, waitCardStatus, type E2E } from './harness.ts';

describe('CPS médecin: Espace médecin libéral', () => {
  let e: E2E;
  before(async () => {
    e = await startE2E();
    await e.sim.insert('cps-medecin');
  });
  after(async () => { await e?.close(); });

  test('the card is a doctor’s CPS with an RPPS identifier', async () => {
    await waitCardStatus(e.page, 'ready');
    const identity = await e.page.locator('section.identity').innerText();
    assert.match(identity, /LUCIE BERNARD/);
    assert.match(identity, /Médecin/);
    assert.match(identity, /899700012349 \(RPPS\)/);
    assert.match(identity, /CPS — Carte de Professionnel de Santé/);
  });

  test('after the PIN both spaces are offered; identity fields come from the verified card and cannot be edited', async () => {
    e.sim.resetCounters();
    assert.equal(await cardLoginInApp(e), 'first-login');
    await e.page.getByRole('heading', { name: 'Espace médecin libéral' }).waitFor();
    assert.equal(await e.page.getByTestId('verified-holder').innerText(), 'LUCIE BERNARD');
    assert.equal(await e.page.getByRole('heading', { name: 'Espace professionnel' }).count(), 1);
    for (const [id, value] of [['doc-surname', 'BERNARD'], ['doc-givenName', 'LUCIE'], ['doc-profession', 'Médecin']]) {
      const field = e.page.locator(`#${id}`);
      assert.equal(await field.inputValue(), value);
      assert.equal(await field.getAttribute('readonly'), '');
    }
    assert.match(await e.page.locator('label[for="doc-email"]').innerText(), /Mail\s*\*/);
    assert.match(await e.page.locator('#doc-mobile-hint').innerText(), /code par SMS/);
  });

  test('required fields missing: each says so, focus goes to the first, nothing is sent', async () => {
    await e.page.getByRole('button', { name: 'Créer mon compte' }).click();
    assert.equal(await focusedId(e.page), 'doc-email');
    for (const f of ['email', 'postalCode', 'city']) {
      assert.equal(await e.page.locator(`#doc-${f}`).getAttribute('aria-invalid'), 'true', f);
      assert.match(await e.page.locator(`#doc-${f}-problem`).innerText(), /Ce champ est obligatoire/);
    }
    assert.equal(await e.page.locator('#doc-phone').getAttribute('aria-invalid'), null);
    assert.match(await e.page.locator('.form-summary').innerText(), /Corrigez les 3 champs signalés/);
    assert.equal(e.bridge.server.pins.open, false, 'no PIN asked');
    assert.ok(!e.server!.requests.some((r) => r.includes('/api/accounts/independent-doctor')), 'an invalid form is not sent');
    await e.screen('10-doctor-form-errors');
  });

  test('each field is checked as the user leaves it (protocol/doctor-profile.ts rules)', async () => {
    await e.page.locator('#doc-email').fill('lucie.bernard@');
    await e.page.locator('#doc-mobile').fill('01 23 45 67 89');
    await e.page.locator('#doc-postalCode').fill('3300');
    await e.page.locator('#doc-city').focus();
    assert.match(await e.page.locator('#doc-email-problem').innerText(), /Adresse e-mail invalide/);
    assert.match(await e.page.locator('#doc-mobile-problem').innerText(), /06 ou 07/);
    assert.match(await e.page.locator('#doc-postalCode-problem').innerText(), /Code postal invalide/);
    await e.page.locator('#doc-email').fill('lucie.bernard@cabinet-test.example');
    await e.page.locator('#doc-email').blur();
    assert.equal(await e.page.locator('#doc-email').getAttribute('aria-invalid'), null);
  });

  test('a valid form: no PIN again, the new account with the card’s RPPS in Id nationaux', async () => {
    await e.page.locator('#doc-specialty').fill('Qualifié en médecine générale');
    await e.page.locator('#doc-phone').fill('05 56 00 00 00');
    await e.page.locator('#doc-mobile').fill('06 12 34 56 78');
    await e.page.locator('#doc-address').fill('12 rue du Test');
    await e.page.locator('#doc-postalCode').fill('33000');
    await e.page.locator('#doc-city').fill('Bordeaux');
    await e.screen('11-doctor-form-filled');
    await e.page.getByRole('button', { name: 'Créer mon compte' }).click();
    await e.page.getByRole('heading', { level: 1, name: /Votre compte médecin libéral est créé/ }).waitFor({ timeout: 20_000 });
    assert.equal(e.sim.counters().C_Login, 1, 'the one PIN of the card login');
    const account = await e.page.locator('section.account').innerText();
    assert.match(account, /LUCIE BERNARD/);
    assert.match(account, /Qualifié en médecine générale/);
    assert.match(await e.page.locator('table.national-ids').innerText(), /RPPS\s+899700012349/);
    await e.screen('12-done-doctor-created');
  });

  test('the doctor logs in with the card afterwards', async () => {
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await loginWithCard(e);
    assert.match(await e.page.locator('section.account').innerText(), /LUCIE BERNARD/);
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
