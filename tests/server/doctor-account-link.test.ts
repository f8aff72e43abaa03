// "Pour associer un compte « Médecin libéral » à votre compte" (the user guide's "Mon compte"): an establishment account
// with a doctor's CPS linked says how to link an independent doctor's account too, with the region's support as
// mailto:/tel: links — in /api/me (which the app shows) and on the service's own /compte page. Other cards do not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request, type APIRequestContext } from 'playwright-core';
import { DOCTOR_ACCOUNT_LINK } from '../../protocol/doctor-account-link.ts';
import { startHarness, type Harness } from './harness.ts';
import { cardSigner } from './tokens.ts';

const PASSWORD = 'Demo-CPx-2026!';

describe('Mon compte: linking an independent doctor\'s account', () => {
  let h: Harness;
  const browsers: APIRequestContext[] = [];
  before(async () => { h = await startHarness('pglite'); });
  after(async () => {
    for (const b of browsers) await b.dispose().catch(() => {});
    await h?.cleanup();
  });

  const link = async (profile: string, username: string) => {
    const nonce = await h.challenge();
    const r = await h.post('/api/cards/link', { token: await (await cardSigner(profile)).token(h.server.origin, nonce), nonce, username, password: PASSWORD });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { session: string; account: { independentDoctorLink: boolean } };
  };
  /** /compte as the account's browser sees it after the password form. */
  const comptePage = async (username: string) => {
    const b = await request.newContext({ baseURL: h.server.url, maxRedirects: 0 });
    browsers.push(b);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await b.get('/')).text())![1]!;
    const login = await b.post('/connexion', { form: { _csrf: csrf, username, password: PASSWORD }, headers: { origin: h.server.origin } });
    assert.equal(login.headers().location, '/compte');
    return await (await b.get('/compte')).text();
  };

  it('a doctor\'s CPS linked to an establishment account: said in /api/me and on /compte, with the region\'s contact', async () => {
    const linked = await link('cps-medecin', 'demo.etab2');
    assert.equal(linked.account.independentDoctorLink, true);
    const me = await h.get('/api/me', { authorization: `Bearer ${linked.session}` });
    assert.equal(me.body.independentDoctorLink, true);
    const html = await comptePage('demo.etab2');
    assert.ok(html.includes('Pour associer un compte « Médecin libéral » à votre compte'), 'the guide\'s heading');
    for (const p of DOCTOR_ACCOUNT_LINK.fr.paragraphs) assert.ok(html.includes(p), `"${p.slice(0, 40)}…" on /compte`);
    // demo.etab2 is in Nouvelle-Aquitaine (server/config/regions.json): its support, reachable in one click.
    assert.match(html, /href="mailto:support-na@example\.org"/);
    assert.match(html, /href="tel:\+33805690656"/);
  });

  it('other cards (a CPE) do not offer it', async () => {
    const linked = await link('cpe', 'demo.etab');
    assert.equal(linked.account.independentDoctorLink, false);
    assert.ok(!(await comptePage('demo.etab')).includes('Médecin libéral'));
  });
});
