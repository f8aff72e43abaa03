// A submit the host refuses (here: the PIN altered on its way, so the bridge's PIN rule says PIN_FORMAT) is shown in
// the PIN page, which goes back to its field instead of waiting forever in "sent"; the user can then go on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startE2E, TEST_PIN, typePin, waitCardStatus, type E2E } from './harness.ts';

let e: E2E;
before(async () => {
  e = await startE2E();
  await e.sim.insert('cpe');
  await waitCardStatus(e.page, 'ready');
});
after(async () => { await e?.close(); });

test('a refused submit is shown in the PIN page, which takes the PIN again', async () => {
  const pinWindow = e.nextPinWindow();
  await e.page.getByRole('button', { name: 'Se connecter par carte CPx' }).click();
  const pin = await pinWindow;
  // The first submit reaches the bridge with a PIN its rule refuses; nothing reaches the card.
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
  assert.equal(await pin.locator('#pin-input').isEditable(), true, 'back to the field, not stuck in "sent"');
  assert.equal(e.sim.counters()['C_Login'] ?? 0, logins, 'the refused PIN never reached the card');
  await typePin(pin, TEST_PIN);
  await pin.waitForEvent('close', { timeout: 20_000 }).catch(() => {});
  assert.equal(altered, true);
  assert.ok((e.sim.counters()['C_Login'] ?? 0) > logins, 'the PIN typed again went to the card');
});
