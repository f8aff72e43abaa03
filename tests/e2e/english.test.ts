// In English, everything is English: the app's own sentences, the regions' help (the service's texts in English,
// "Other regions"), and the card's own French words (its profession) kept only where they are the card's data —
// marked lang="fr" and said to be "as written on the card". What is checked is listed in CHECKED, screen by screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { startE2EWithCard, typePin, TEST_PIN, type E2E } from './harness.ts';

/** Words of a French sentence that English text never has (place names such as "Centre-Val de Loire" are not sentences). */
const FRENCH = /\b(votre|vous|merci|contactez|renseignez|compte|carte|pour|avec|dans|une|autres|régions?|établissement|référent|lecteur|essais?|porteur|titulaire|prête|infirmier)\b/i;

/** The element's text without what is marked as French (the card's own words). */
interface PageNode {
  cloneNode(deep: boolean): PageNode;
  querySelectorAll(selector: string): { forEach(f: (n: { remove(): void }) => void): void };
  textContent: string | null;
}
async function englishPart(l: Locator): Promise<string> {
  return await l.evaluate((el) => {
    const copy = (el as unknown as PageNode).cloneNode(true);
    copy.querySelectorAll('[lang="fr"]').forEach((n) => n.remove());
    return copy.textContent ?? '';
  });
}

const CHECKED: string[] = [];
async function assertEnglish(what: string, l: Locator): Promise<void> {
  // A web address is an address, not a sentence (Grand Est's support page is …/demande-de-compte).
  const text = (await englishPart(l)).replace(/https:\/\/\S+/g, '');
  assert.ok(text.trim().length > 0, `${what}: nothing to check`);
  assert.doesNotMatch(text, FRENCH, `${what} has French in English: ${text}`);
  CHECKED.push(what);
}

describe('English everywhere', () => {
  let e: E2E;
  before(async () => { e = await startE2EWithCard('cps-infirmier', { lang: 'en' }); });
  after(async () => { await e?.close(); });

  test('the card panel and "Who is this card?": English, the profession translated beside the card\'s words', async () => {
    await assertEnglish('card panel', e.page.locator('.card-panel'));
    const identity = e.page.locator('.identity');
    await assertEnglish('Who is this card?', identity);
    assert.match(await identity.innerText(), /Nurse \(“Infirmier” as written on the card\)/);
    assert.equal(await identity.locator('[lang="fr"]').first().innerText(), '“Infirmier”');
    await e.screen('english-card');
  });

  test('the PIN window, then "First CPX card login" and every region\'s help, "Other regions" included', async () => {
    const pinWindow = e.context.waitForEvent('page', { predicate: (p) => p.url().includes('/pin.html') });
    await e.page.getByRole('button', { name: 'Log in with my CPx card' }).click();
    const pin = await pinWindow;
    await pin.waitForSelector('#pin-heading');
    await assertEnglish('PIN window (holder)', pin.locator('.pin-card'));
    await typePin(pin, TEST_PIN);
    await e.page.getByRole('heading', { level: 1, name: 'First CPX card login' }).waitFor({ timeout: 20_000 });
    await assertEnglish('First login: the verified holder', e.page.locator('.verified-holder'));

    const select = e.page.locator('#region');
    await select.waitFor();
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as unknown as { value: string }).value, label: o.textContent ?? '' })));
    assert.ok(options.length >= 7, 'every region is offered');
    assert.ok(options.some((o) => o.label === 'Other regions'), `"Other regions": ${options.map((o) => o.label).join(', ')}`);
    assert.ok(!options.some((o) => /Autres régions/.test(o.label)));
    for (const o of options) {
      await select.selectOption(o.value);
      await e.page.locator('.region-help .support').waitFor();
      await assertEnglish(`region help: ${o.label}`, e.page.locator('.region-help'));
    }
    await e.screen('english-region-help');
  });

  test('what was checked', () => {
    assert.deepEqual(CHECKED.slice(0, 4), ['card panel', 'Who is this card?', 'PIN window (holder)', 'First login: the verified holder']);
    assert.ok(CHECKED.filter((c) => c.startsWith('region help: ')).length >= 7);
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
