// The PIN window on its last try, at 100 % and 200 % zoom of its 480×640 window (200 % is a 240×320 CSS viewport):
// "Valider" is on screen without scrolling at both; at 100 % the whole dialog fits. Screenshots pin-last-try-*.png.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, pinWindowAtLastTry, startE2EWithCard, type E2E } from './harness.ts';

const VALIDER = '.button-row button[type="submit"]';
const CANCEL = '.button-row .button-quiet';

/** Whether the element lies wholly inside the viewport, as the page stands (no scrolling done). */
async function inView(page: Page, selector: string): Promise<boolean> {
  return await page.evaluate(`(() => {
    const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0;
  })()`) as boolean;
}

describe('PIN window fits its content', () => {
  let e: E2E;
  before(async () => { e = await startE2EWithCard('cps-infirmier'); });
  after(async () => { await e?.close(); });

  test('last try: "Valider" and the confirmation are in view at 100 % and 200 % zoom', async () => {
    const pin = await pinWindowAtLastTry(e);
    // 100 %: the whole dialog at once, nothing to scroll.
    await pin.setViewportSize({ width: 480, height: 640 });
    assert.equal(await pin.evaluate('document.scrollingElement.scrollHeight <= window.innerHeight'), true, 'no scrolling at 100 %');
    for (const selector of ['.pin-requester', '.pin-card', '.final-try', '#final-confirm', '#pin-input', VALIDER, CANCEL]) {
      assert.equal(await inView(pin, selector), true, `${selector} in view at 100 %`);
    }
    await pin.screenshot({ path: path.join(SCREENSHOTS, 'pin-last-try-100.png') });

    // 200 %: the text scrolls, the action row stays on the bottom edge; the confirmation, when focused, is not under it.
    await pin.setViewportSize({ width: 240, height: 320 });
    await pin.evaluate('window.scrollTo(0, 0)');
    for (const selector of [VALIDER, CANCEL]) assert.equal(await inView(pin, selector), true, `${selector} in view at 200 %`);
    await pin.locator('#final-confirm').focus();
    assert.equal(await inView(pin, '#final-confirm'), true, 'the focused confirmation in view at 200 %');
    assert.equal(await pin.evaluate(`document.querySelector('#final-confirm').getBoundingClientRect().bottom <=
      document.querySelector('.button-row').getBoundingClientRect().top`), true, 'the confirmation is not under the action row');
    await pin.keyboard.press('Space');
    assert.equal(await pin.locator('#final-confirm').isChecked(), true);
    assert.equal(await inView(pin, VALIDER), true, 'Valider still in view once the confirmation is scrolled to');
    assert.equal(await pin.getByRole('button', { name: 'Valider' }).isEnabled(), true);
    await pin.screenshot({ path: path.join(SCREENSHOTS, 'pin-last-try-200.png') });

    // Nothing more is sent to the card: the dialog is cancelled.
    const closed = pin.waitForEvent('close');
    await pin.getByRole('button', { name: 'Annuler' }).click().catch((err: Error) => { if (!pin.isClosed()) throw err; });
    await closed;
  });

  test('no page error and no CSP violation on the way', () => {
    assert.deepEqual(e.pageProblems, []);
  });
});
