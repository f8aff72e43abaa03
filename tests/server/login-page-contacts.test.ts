// The service's login page, "Comment obtenir un compte ?": each region's support reachable in one click — its e-mail
// a mailto: link, its phone a tel: link (protocol/contact.ts makes both, as in the app).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailtoHref, telHref } from '../../protocol/contact.ts';
import { loadRegions } from '../../server/regions.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('pglite'); });
after(async () => { await h?.cleanup(); });

test('every support e-mail and phone of the login page is a link', async () => {
  const html = await (await fetch(h.server.url + '/')).text();
  const regions = loadRegions();
  assert.ok(regions.some((r) => r.support.phone), 'the shipped file has phones to check');
  for (const r of regions) {
    if (r.support.email) assert.ok(html.includes(`href="${mailtoHref(r.support.email)}"`), `${r.id}: mailto`);
    if (r.support.phone) assert.ok(html.includes(`href="${telHref(r.support.phone)}"`), `${r.id}: tel`);
  }
});
