// The UI as a whole: French by default with an English switch, settings shown read-only with their source (here a
// managed policy), and a whole first card login done with the keyboard alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD, focusedId, startE2E, TEST_PIN, typePin, waitCardStatus, type E2E } from './harness.ts';

/** Text of the focused element, and whether its focus ring is visible. */
async function focused(page: Page): Promise<{ text: string; ring: boolean }> {
  return await page.evaluate(`(() => {
    const el = document.activeElement;
    const s = el ? getComputedStyle(el) : null;
    return { text: el ? (el.textContent || '').trim() : '', ring: !!s && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
  })()`) as { text: string; ring: boolean };
}

async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.text === text) {
      assert.ok(f.ring, `a visible focus ring on "${text}"`);
      return;
    }
  }
  assert.fail(`"${text}" never got the focus with Tab`);
}

describe('language, settings, keyboard', () => {
  let e: E2E;
  let policyDir: string;
  before(async () => {
    policyDir = mkdtempSync(path.join(tmpdir(), 'cpx-policy-'));
    writeFileSync(path.join(policyDir, '10-hospital.json'), JSON.stringify({
      region: 'Nouvelle-Aquitaine', supportContact: 'Support informatique du CH — 05 00 00 00 00', logging: 'error',
    }));
    e = await startE2E({ policyDir });
    await e.sim.insert('cpf');
    await waitCardStatus(e.page, 'ready');
  });
  after(async () => {
    await e?.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  test('French by default; the English switch changes the whole UI and is remembered as the user’s choice', async () => {
    assert.equal(await e.page.getAttribute('html', 'lang'), 'fr');
    await e.page.getByRole('button', { name: 'Switch to English' }).click();
    await e.page.getByRole('heading', { name: 'Who is this card?' }).waitFor();
    assert.equal(await e.page.getAttribute('html', 'lang'), 'en');
    assert.match(await e.page.locator('.card-status').innerText(), /Card ready/);
    assert.match(await e.page.locator('section.identity').innerText(), /CPF — Professional in Training Card/);
    assert.equal(await e.page.getByRole('button', { name: 'Log in with my CPx card' }).count(), 1);
    await e.screen('21-english-home');
    const pinWindow = e.nextPinWindow();
    await e.page.getByRole('button', { name: 'Log in with my CPx card' }).click();
    const pin = await pinWindow;
    assert.match(await pin.locator('main').innerText(), /asks your card for a signature/);
    await typePin(pin, TEST_PIN);
    await e.page.getByRole('heading', { name: 'Professional space' }).waitFor({ timeout: 20_000 });
    assert.match(await e.page.locator('.verified-holder').innerText(), /The service has verified your card/);
    await e.screen('22-english-first-login');
    await e.page.getByRole('button', { name: 'Settings' }).click();
    const language = e.page.locator('tr[data-setting="language"]');
    assert.match(await language.innerText(), /English\s+User choice/);
    await e.page.getByRole('button', { name: 'Passer en français' }).click();
    await e.page.getByRole('heading', { level: 1, name: 'Réglages' }).waitFor();
    assert.equal(await e.page.getAttribute('html', 'lang'), 'fr');
  });

  test('settings are read-only and say where each value comes from (policy, user, default)', async () => {
    const row = (k: string) => e.page.locator(`tr[data-setting="${k}"]`).innerText();
    assert.match(await row('region'), /Nouvelle-Aquitaine\s+Stratégie de l'établissement\s+verrouillé/);
    assert.match(await row('supportContact'), /Support informatique du CH/);
    assert.match(await row('serviceUrl'), new RegExp(`${e.server!.url.replace(/\./g, '\\.')}\\s+Valeur par défaut`));
    assert.match(await row('language'), /Français\s+Choix de l'utilisateur/);
    assert.match(await row('logging'), /Erreurs seulement\s+Stratégie de l'établissement\s+verrouillé/);
    assert.equal(await e.page.locator('section.settings input, section.settings select').count(), 0);
    await e.screen('23-settings');
    await e.page.getByRole('button', { name: 'Accueil' }).click();
  });

  test('a first card login with the keyboard only', async () => {
    await e.page.reload();
    await waitCardStatus(e.page, 'ready');
    // First stop: the skip link, then straight to the content.
    await e.page.keyboard.press('Tab');
    assert.equal(await focusedId(e.page), 'skip-link');
    await tabTo(e.page, 'Se connecter par carte CPx');
    const pinWindow = e.nextPinWindow();
    await e.page.keyboard.press('Enter');
    const pin = await pinWindow;
    await pin.locator('#pin-input:focus').waitFor();
    await pin.keyboard.type(TEST_PIN);
    await pin.keyboard.press('Enter');
    await e.page.getByRole('heading', { level: 1, name: 'Première connexion par carte CPX' }).waitFor({ timeout: 20_000 });
    assert.equal(await focusedId(e.page), 'first-heading');
    // The region help follows the policy's region.
    await e.page.locator('#region').waitFor();
    assert.equal(await e.page.locator('#region option:checked').innerText(), 'Nouvelle-Aquitaine');
    await e.page.keyboard.press('Tab');
    assert.equal(await focusedId(e.page), 'pro-username');
    await e.page.keyboard.type('demo.interne');
    await e.page.keyboard.press('Tab');
    assert.equal(await focusedId(e.page), 'pro-password');
    await e.page.keyboard.type(DEMO_PASSWORD);
    await e.page.keyboard.press('Enter');
    await e.page.getByRole('heading', { level: 1, name: 'Votre carte est associée à votre compte' }).waitFor({ timeout: 20_000 });
    assert.equal(await focusedId(e.page), 'done-heading');
    await tabTo(e.page, 'Ouvrir le service');
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
