// What goes wrong in real life: a card about to expire, a card pulled out while the PIN is asked or during Première
// connexion, the service down and back. Each time the user is told what happened and what to do, and can carry on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ProvisionedCard } from '../helpers/sim.ts';
import { CARD_LOGIN, DEMO_PASSWORD, errorCode, formErrorCode, startE2E, submitProfessional, TEST_PIN, typePin, waitCardStatus, type E2E, openPinWindow } from './harness.ts';

describe('expiring card, card pulled out, service down', () => {
  let e: E2E;
  let cpe: ProvisionedCard;
  before(async () => { e = await startE2E(); });
  after(async () => { await e?.close(); });

  test('a certificate expiring within 30 days is announced, and the card still works', async () => {
    await e.sim.insert('cps-expiring');
    await waitCardStatus(e.page, 'expiring');
    const panel = await e.page.locator('.card-status').innerText();
    assert.match(panel, /Votre carte expire bientôt/);
    assert.match(panel, /expire dans \d+ jours, le \d+/);
    assert.match(panel, /renouvellement/);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).isEnabled(), true);
    await e.screen('18-card-expiring');
  });

  test('card pulled out while the PIN is asked: the dialog closes and the user is told', async () => {
    cpe = await e.sim.insert('cpe');
    await e.page.getByTestId('holder-name').getByText('NATHALIE PETIT').waitFor();
    const pin = await openPinWindow(e);
    const closed = pin.waitForEvent('close');
    e.sim.remove(0);
    assert.equal(await errorCode(e.page), 'CARD_REMOVED');
    await closed;
    assert.match(await e.page.locator('.error-message').innerText(), /La carte a été retirée pendant l'opération/);
    await waitCardStatus(e.page, 'removed', 'no-card');
    // Retry waits for the card to be back.
    const retry = e.page.getByRole('button', { name: 'Réessayer' });
    assert.equal(await retry.isDisabled(), true);
    await e.screen('19-error-card-removed');
    e.sim.reinsert(cpe);
    await waitCardStatus(e.page, 'ready');
    assert.equal(await retry.isEnabled(), true);
  });

  test('service down: "unreachable" with a retry; once it is back, the retry reaches Première connexion', async () => {
    await e.server!.stop();
    await e.page.getByRole('button', { name: 'Réessayer' }).click();
    assert.equal(await errorCode(e.page), 'SERVICE_UNREACHABLE');
    assert.match(await e.page.locator('.error-message').innerText(), /Le service ne répond pas/);
    assert.equal(e.bridge.server.pins.open, false, 'no PIN asked for a service that cannot answer');
    await e.screen('20-error-service-unreachable');

    await e.server!.restart();
    const pinWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: 'Réessayer' }).click();
    await typePin(await pinWindow, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
  });

  test('card pulled out during Première connexion: that first login is over, said in words; the card back, it starts again', async () => {
    e.sim.remove(0);
    await waitCardStatus(e.page, 'removed', 'no-card');
    await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);
    assert.equal(await errorCode(e.page), 'TICKET_INVALID');
    assert.match(await e.page.locator('.error-message').innerText(), /Reconnectez-vous par carte CPx pour recommencer/);
    await e.screen('29-error-first-login-expired');
    await e.page.getByRole('button', { name: 'Retour' }).click();
    e.sim.reinsert(cpe);
    await waitCardStatus(e.page, 'ready');
    const pinWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: CARD_LOGIN }).click();
    await typePin(await pinWindow, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    // Service down while the form is sent: said on the form, which keeps what was typed; back up, sent again — no PIN.
    await e.server!.stop();
    await submitProfessional(e.page, 'demo.etab', DEMO_PASSWORD);
    assert.equal(await formErrorCode(e.page), 'SERVICE_UNREACHABLE');
    assert.equal(await e.page.locator('#pro-username').inputValue(), 'demo.etab');
    await e.server!.restart();
    await e.page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
