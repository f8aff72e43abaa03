// Focus moves to a new screen's heading, in a real Chromium: the action runs when Svelte creates the node, before the
// node is in the document, so focusing has to wait until it is attached.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/harness.ts';

// The module as the renderer bundles it, exposed to the page as window.focusModule.
const source = readFileSync(new URL('../../../renderer/src/lib/focus.ts', import.meta.url), 'utf8');
const bundled = transformSync(source, { loader: 'ts', format: 'iife', globalName: 'focusModule' }).code;

let browser: Browser;
let page: Page;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  page = await browser.newPage();
  await page.setContent('<!doctype html><main><button id="before">before</button></main>');
  await page.addScriptTag({ content: bundled });
});
after(async () => { await browser?.close(); });

test('a heading created, handed to the action, then attached in the same task ends up focused', async () => {
  // A script string, as the other browser tests write them: this file is type-checked without the DOM library.
  const focused = await page.evaluate(`(async () => {
    document.getElementById('before').focus();
    const h1 = document.createElement('h1');
    h1.id = 'heading';
    h1.tabIndex = -1;
    h1.textContent = 'Nouvel écran';
    window.focusModule.focusOnMount(h1);
    const sameTask = document.activeElement && document.activeElement.id;
    document.querySelector('main').append(h1);
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    return { sameTask, after: document.activeElement && document.activeElement.id };
  })()`);
  assert.deepEqual(focused, { sameTask: 'before', after: 'heading' });
});
