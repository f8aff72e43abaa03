// The card's own PIN management as the professional meets it in the app: "Changer le code PIN" (current PIN, new PIN
// twice, a mismatch said before anything reaches the card), "Débloquer avec le code PUK" on a blocked card (the PUK's
// own tries, the warning on its last try), and a middleware that cannot do it (the issuer's tool and the support).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import * as control from '../../native/sim/control.ts';
import { CARD_LOGIN, errorCode, startE2EWithCard, TEST_PIN, waitCardStatus, type E2E } from './harness.ts';

const PUK = '12345678';
const CHANGE = 'Changer le code PIN';
const UNBLOCK = 'Débloquer avec le code PUK';

/** Types `code` in the PIN window's field once it asks for `label`, and presses Enter. */
async function typeField(pin: Page, label: string, code: string): Promise<void> {
  await pin.locator('label[for="pin-input"]', { hasText: label }).waitFor({ timeout: 20_000 });
  const field = pin.locator('#pin-input:enabled');
  await field.waitFor();
  await field.focus();
  await pin.keyboard.type(code);
  await pin.keyboard.press('Enter');
}

describe('PIN management in the app', () => {
  let e: E2E;
  let cardId: string;
  before(async () => {
    e = await startE2EWithCard('cps-medecin');
    cardId = e.sim.status().readers[0]!.card!.cardId;
  });
  after(async () => { await e?.close(); });

  test('change the PIN: current PIN, new PIN twice; a mismatch is said and sends nothing; the new PIN is in force', async () => {
    const pinWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: CHANGE }).click();
    const pin = await pinWindow;
    assert.match(await pin.locator('#pin-heading').innerText(), /Changer le code porteur/);
    await pin.locator('label[for="pin-input"]', { hasText: 'Code porteur actuel' }).waitFor();
    assert.match(await pin.locator('.pin-step').innerText(), /Étape 1 sur 3/);
    assert.match(await pin.locator('.pin-tries').innerText(), /Il vous reste 3 essais/);
    await e.screen('pin-change-current', pin);
    await typeField(pin, 'Code porteur actuel', TEST_PIN);
    await typeField(pin, 'Nouveau code porteur', '4321');
    const calls = () => (e.sim.counters()['C_SetPIN'] ?? 0);
    const before = calls();
    await typeField(pin, 'une seconde fois', '4312');
    // Back to the new PIN, saying why; the card was not touched.
    await pin.locator('.pin-error').waitFor();
    assert.match(await pin.locator('.pin-error').innerText(), /Les deux saisies du nouveau code porteur sont différentes/);
    await pin.locator('label[for="pin-input"]', { hasText: /^Nouveau code porteur$/ }).waitFor();
    assert.equal(calls(), before, 'no C_SetPIN for a mismatch');
    await e.screen('pin-change-mismatch', pin);
    await typeField(pin, 'Nouveau code porteur', '4321');
    const closed = pin.waitForEvent('close');
    await typeField(pin, 'une seconde fois', '4321');
    await closed;
    await e.page.getByRole('heading', { level: 1, name: 'Votre nouveau code porteur est en vigueur' }).waitFor({ timeout: 20_000 });
    assert.equal(calls(), before + 1, 'exactly one C_SetPIN');
    await e.screen('pin-change-done');

    // The new PIN logs in; the old one is refused (PIN window: wrong PIN), then the new one goes through.
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    const loginWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: CARD_LOGIN }).click();
    const login = await loginWindow;
    await typeField(login, 'Code porteur', TEST_PIN);
    await login.locator('.pin-error').waitFor();
    assert.match(await login.locator('.pin-error').innerText(), /Code porteur incorrect/);
    await typeField(login, 'Code porteur', '4321');
    // This doctor's card has no account yet: Première connexion follows the card login.
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(e.pageProblems, []);
  });

  test('a blocked card: the help offers the unblock first; a wrong PUK costs one of its tries; the last one is warned', async () => {
    await e.page.getByRole('button', { name: 'Accueil', exact: true }).click();
    e.sim.resetPinCounter(cardId, 0);
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    await waitCardStatus(e.page, 'blocked');
    const help = e.page.locator('.card-panel .blocked-help');
    assert.match(await help.innerText(), /Cliquez sur « Débloquer avec le code PUK »/);
    assert.match(await help.innerText(), /outil de gestion de Cryptolib CPS/);
    await e.screen('pin-unblock-blocked-card');

    // Two wrong PUKs (each one C_Login, none repeated on our own), then the last try, warned, with the right PUK.
    const logins = () => (e.sim.counters()['C_Login'] ?? 0);
    const pinWindow = e.nextPinWindow();
    await help.getByRole('button', { name: UNBLOCK }).click();
    const pin = await pinWindow;
    assert.match(await pin.locator('#pin-heading').innerText(), /Débloquer la carte/);
    assert.match(await pin.locator('.pin-tries').innerText(), /Code de déblocage : il vous reste 3 essais/);
    await e.screen('pin-unblock-puk', pin);
    for (const [attempt, left] of [[1, 2], [2, 1]] as const) {
      const before = logins();
      await typeField(pin, 'Code de déblocage (PUK)', '87654321');
      await typeField(pin, 'Nouveau code porteur', '2468');
      await typeField(pin, 'une seconde fois', '2468');
      await pin.locator('.pin-error', { hasText: 'Code de déblocage (PUK) incorrect' }).waitFor({ timeout: 20_000 });
      await pin.locator('.pin-tries', { hasText: `il vous reste ${left} essai` }).waitFor();
      assert.equal(logins(), before + 1, `attempt ${attempt}: one C_Login`);
    }
    assert.equal(e.sim.status().readers[0]!.card!.pukTriesLeft, 1);
    assert.match(await pin.locator('.final-try[role="alert"]').innerText(), /dernier essai du code de déblocage/);
    await e.screen('pin-unblock-last-try', pin);
    const closed = pin.waitForEvent('close');
    await typeField(pin, 'Code de déblocage (PUK)', PUK);
    await typeField(pin, 'Nouveau code porteur', '2468');
    await typeField(pin, 'une seconde fois', '2468');
    await closed;
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est débloquée : votre nouveau code porteur est en vigueur' }).waitFor({ timeout: 20_000 });
    await e.screen('pin-unblock-done');
    await e.page.getByRole('button', { name: "Retour à l'accueil" }).click();
    await waitCardStatus(e.page, 'ready');
    assert.equal(e.sim.status().readers[0]!.card!.triesLeft, 3);
    assert.equal(e.sim.status().readers[0]!.card!.pukTriesLeft, 3, 'the right PUK gives its tries back');
  });

  test('a blocked PUK: said loudly, nothing asked (a new card from the ANS)', async () => {
    e.sim.resetPinCounter(cardId, 0);
    control.resetPukCounter(e.sim.dir, cardId, 0);
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    await waitCardStatus(e.page, 'blocked');
    const help = e.page.locator('.card-panel .blocked-help');
    await help.locator('[role="alert"]', { hasText: 'nouvelle carte auprès de l’ANS' }).waitFor({ timeout: 20_000 });
    assert.equal(await e.page.getByRole('button', { name: UNBLOCK }).count(), 0, 'no unblock offered');
    await e.screen('pin-unblock-puk-blocked');
    control.resetPukCounter(e.sim.dir, cardId);
    e.sim.resetPinCounter(cardId);
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    await waitCardStatus(e.page, 'ready');
  });

  test('a middleware that cannot change the PIN: said so, with the issuer’s tool and the support as the way', async (t) => {
    e.sim.injectFault('C_SetPIN', 'not_supported');
    t.after(() => e.sim.injectFault('C_SetPIN', null));
    const pinWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: CHANGE }).click();
    const pin = await pinWindow;
    await typeField(pin, 'Code porteur actuel', '2468');
    await typeField(pin, 'Nouveau code porteur', '1357');
    await typeField(pin, 'une seconde fois', '1357');
    assert.equal(await errorCode(e.page), 'PIN_MANAGEMENT_UNSUPPORTED');
    const screen = e.page.locator('.error-screen');
    assert.match(await screen.locator('.error-message').innerText(), /ne permet pas de changer ou de débloquer le code porteur/);
    const fallback = screen.locator('.pin-fallback');
    assert.match(await fallback.innerText(), /Gestion de la carte CPS/);
    await fallback.getByRole('button', { name: 'Aide de Cryptolib CPS' }).waitFor();
    await fallback.locator('.support').waitFor({ timeout: 20_000 });
    assert.equal(await screen.getByRole('button', { name: 'Réessayer' }).count(), 0, 'nothing to retry');
    await e.screen('pin-unsupported');
    assert.equal(e.sim.status().readers[0]!.card!.triesLeft, 3, 'the PIN was accepted, nothing changed');
    assert.deepEqual(e.pageProblems, []);
  });

  test('a PIN-pad reader: the window says what to type on the reader, step by step', async (t) => {
    await e.page.getByRole('button', { name: 'Retour' }).click();
    e.sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 20_000 });
    e.sim.setPinpad(0, true);
    t.after(() => e.sim.setPinpad(0, false));
    e.sim.resetPinCounter(cardId, 0);
    await e.page.getByRole('button', { name: 'Actualiser' }).click();
    await waitCardStatus(e.page, 'blocked');
    const pinWindow = e.nextPinWindow();
    await e.page.locator('.card-panel .blocked-help').getByRole('button', { name: UNBLOCK }).click();
    const pin = await pinWindow;
    // Nothing to type in the window: the reader asks for the PUK first…
    await pin.locator('.pinpad', { hasText: 'votre code de déblocage (PUK, 8 chiffres)' }).waitFor({ timeout: 20_000 });
    assert.equal(await pin.locator('#pin-input').count(), 0);
    await e.screen('pin-unblock-pinpad-puk', pin);
    control.typeOnPinpad(e.sim.dir, 0, [PUK]);
    // …then, once the card took it, the new PIN.
    await pin.locator('.pinpad', { hasText: 'votre nouveau code porteur' }).waitFor({ timeout: 20_000 });
    await e.screen('pin-unblock-pinpad-new', pin);
    const closed = pin.waitForEvent('close');
    control.typeOnPinpad(e.sim.dir, 0, ['7531']);
    await closed;
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est débloquée : votre nouveau code porteur est en vigueur' }).waitFor({ timeout: 20_000 });
    assert.equal(e.sim.status().readers[0]!.card!.triesLeft, 3);
    assert.deepEqual(e.pageProblems, []);
  });
});
