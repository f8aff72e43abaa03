// "PIN first, then Première connexion" (link tickets) and the browser login (pages, cookies, CSRF, transactions,
// one-time URLs, hand-off), written once and run against each database (pglite.test.ts, postgres.test.ts).
// Browsers are playwright-core request contexts: each one is a real cookie jar over real HTTP (RFC 6265 rules,
// `__Host-` included), with redirects left to the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'playwright-core';
import type { APIRequestContext, APIResponse } from 'playwright-core';
import { parseLoginLink } from '../../protocol/deep-link.ts';
import { ERRORS } from '../../protocol/errors.ts';
import type { ErrorCode } from '../../protocol/errors.ts';
import { startHarness } from './harness.ts';
import type { Answer, DbKind, Harness, Json } from './harness.ts';
import { cardSigner } from './tokens.ts';
import type { CardSigner } from './tokens.ts';

const PASSWORD = 'Demo-CPx-2026!';
const PROFILE = { email: 'lucie.bernard@example.org', postalCode: '33000', city: 'Bordeaux', mobile: '0612345678' };
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

export function browserLoginSuite(kind: DbKind): void {
  describe(`link tickets and browser login on ${kind}`, () => {
    let h: Harness;
    const cards: Record<string, CardSigner> = {};
    const browsers: APIRequestContext[] = [];
    /** Everything secret that went over the wire: none of it may reach the audit log. */
    const secrets: string[] = [PASSWORD, 'wrong-password'];
    const keep = <T extends string>(s: T) => { secrets.push(s); return s; };

    const proof = async (profile: string) => {
      const nonce = keep(await h.challenge());
      return { token: await cards[profile]!.token(h.server.origin, nonce), nonce };
    };
    const expectError = (r: Answer, code: ErrorCode) => {
      assert.equal(r.body?.error?.code, code, JSON.stringify(r.body));
      assert.equal(r.status, ERRORS[code].http);
    };
    /** A page answer: the status its code's spec gives, and the code on the page. */
    const expectPage = async (r: APIResponse, code: ErrorCode) => {
      const html = await r.text();
      assert.equal(r.status(), ERRORS[code].http, html.slice(0, 300));
      assert.match(html, new RegExp(`data-code="${code}"`));
      assert.match(r.headers()['content-type'] ?? '', /^text\/html/);
    };
    /** /api/auth/card for an unlinked card: its ticket. */
    const ticketFor = async (profile: string): Promise<Json> => {
      const r = await h.post('/api/auth/card', await proof(profile));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'link-required');
      keep(r.body.ticket);
      return r.body;
    };

    const newBrowser = async () => {
      const b = await request.newContext({ baseURL: h.server.url, maxRedirects: 0 });
      browsers.push(b);
      return b;
    };
    const csrfOf = async (b: APIRequestContext, page = '/') => {
      const html = await (await b.get(page)).text();
      const m = /name="_csrf" value="([^"]+)"/.exec(html);
      assert.ok(m, `no CSRF token on ${page}`);
      return keep(m[1]!);
    };
    const cookie = async (b: APIRequestContext, name: string) => (await b.storageState()).cookies.find((c) => c.name === name);
    const loginForm = async (b: APIRequestContext, username: string, password: string, headers: Record<string, string> = {}) =>
      await b.post('/connexion', { form: { _csrf: await csrfOf(b), username, password }, headers: { origin: h.server.origin, ...headers } });
    /** The card button: POST /connexion/carte as the page's script sends it. */
    const startTransaction = async (b: APIRequestContext): Promise<{ transaction: string; link: string; expiresAt: string }> => {
      const r = await b.post('/connexion/carte', { data: {}, headers: { origin: h.server.origin, 'x-csrf-token': await csrfOf(b) } });
      assert.equal(r.status(), 200, await r.text());
      const body = await r.json();
      keep(body.transaction);
      return body;
    };
    /** The app: the transaction's challenge signed by the card, then the completion. */
    const completeWith = async (transaction: string, profile: string): Promise<Answer> => {
      const c = await h.post('/api/transactions/challenge', { transaction });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      keep(c.body.nonce);
      const r = await h.post('/api/transactions/complete', { transaction, nonce: c.body.nonce, token: await cards[profile]!.token(h.server.origin, c.body.nonce) });
      if (r.body?.completeUrl) keep(new URL(r.body.completeUrl).searchParams.get('code')!);
      if (r.body?.ticket) keep(r.body.ticket);
      return r;
    };
    const loginState = async (b: APIRequestContext) => await (await b.get('/connexion/etat')).json();
    /** A one-time URL redeemed: Mon compte answered at once (no redirect), its script putting /compte in the address bar. */
    const expectAccountHere = async (r: APIResponse, shows: RegExp) => {
      const html = await r.text();
      assert.deepEqual([r.status(), r.headers().location], [200, undefined]);
      assert.match(html, /<h1>Mon compte<\/h1>/);
      assert.match(html, shows);
      assert.match(html, /<script src="\/static\/adresse\.js" data-adresse="\/compte" async>/, 'the address the script puts in the address bar');
      const script = await h.get('/static/adresse.js');
      assert.equal(script.status, 200);
      assert.match(String(script.headers.get('cache-control')), /max-age=3600/, 'kept by the browser, not asked again with each page');
    };
    const accountPage = async (b: APIRequestContext) => {
      const r = await b.get('/compte');
      return { status: r.status(), location: r.headers().location, html: await r.text() };
    };

    before(async () => {
      h = await startHarness(kind);
      for (const p of ['cpe', 'cpa', 'cpf', 'cps-medecin', 'cps-infirmier', 'cps-pharmacien', 'cps-accents']) cards[p] = await cardSigner(p);
    });
    after(async () => {
      for (const b of browsers) await b.dispose().catch(() => {});
      await h?.cleanup();
    });

    it('PIN first: an unlinked card gets a ticket; a wrong password keeps it, the right one links with it, once', async () => {
      const t = await ticketFor('cpe');
      assert.match(t.ticket, OPAQUE);
      assert.deepEqual(t.holder, { surname: 'PETIT', givenName: 'NATHALIE', profession: t.holder.profession, cardType: 'CPE',
        nationalId: { type: 'FINESS', id: '330999996/CPET00001', raw: '3330999996/CPET00001' } });
      assert.equal(t.independentDoctorAllowed, false);
      const ttl = Date.parse(t.expiresAt) - h.now();
      assert.ok(ttl > 9.5 * 60_000 && ttl <= 10 * 60_000 + 5_000, `ticket ttl ${ttl}`);
      const [stored] = await h.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM link_tickets WHERE ticket_hash = $1', [t.ticket]);
      assert.equal(stored!.n, 0, 'the ticket is stored hashed');

      expectError(await h.post('/api/cards/link', { ticket: t.ticket, username: 'demo.etab', password: 'wrong-password' }), 'CREDENTIALS_INVALID');
      const linked = await h.post('/api/cards/link', { ticket: t.ticket, username: 'demo.etab', password: PASSWORD });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      keep(linked.body.session);
      assert.equal(linked.body.account.username, 'demo.etab');
      assert.deepEqual(linked.body.account.nationalIds, [{ label: 'FINESS/identifiant interne', value: '3330999996/CPET00001', type: 'FINESS' }]);
      assert.equal(linked.body.completeUrl, undefined, 'no browser is waiting for this one');
      expectError(await h.post('/api/cards/link', { ticket: t.ticket, username: 'demo.etab', password: PASSWORD }), 'TICKET_INVALID');

      const again = await h.post('/api/auth/card', await proof('cpe'));
      assert.equal(again.body.status, 'logged-in', JSON.stringify(again.body));
      keep(again.body.session);
      assert.equal((await h.get('/api/me', { authorization: `Bearer ${again.body.session}` })).body.username, 'demo.etab');
      expectError(await h.post('/api/auth/card-login', await proof('cpa')), 'CARD_NOT_LINKED');
    });

    it('keeps the ticket through an inactive account, and lets one success end every ticket of that holder', async () => {
      const t1 = await ticketFor('cpf');
      const t2 = await ticketFor('cpf');
      expectError(await h.post('/api/cards/link', { ticket: t1.ticket, username: 'demo.inactif', password: PASSWORD }), 'ACCOUNT_INACTIVE');
      const ok = await h.post('/api/cards/link', { ticket: t1.ticket, username: 'demo.interne', password: PASSWORD });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      expectError(await h.post('/api/cards/link', { ticket: t2.ticket, username: 'demo.interne', password: PASSWORD }), 'TICKET_INVALID');
    });

    it('binds a ticket to the identity it was issued for: the request names no other', async () => {
      const t = await ticketFor('cpa');
      const other = await proof('cps-infirmier');
      expectError(await h.post('/api/cards/link', { ticket: t.ticket, ...other, username: 'demo.infirmier', password: PASSWORD }), 'BAD_REQUEST');
      expectError(await h.post('/api/cards/link', { ticket: t.ticket, token: other.token, username: 'demo.infirmier', password: PASSWORD }), 'BAD_REQUEST');
      expectError(await h.post('/api/cards/link', { ticket: 'A'.repeat(43), username: 'demo.cpa', password: PASSWORD }), 'TICKET_INVALID');
      // The refused requests used nothing up: the ticket links its own holder (the CPA's SIRET id), whatever card number is claimed.
      const linked = await h.post('/api/cards/link', { ticket: t.ticket, username: 'demo.cpa', password: PASSWORD, cardNumber: '0000000000' });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      assert.deepEqual(linked.body.account.nationalIds.map((l: Json) => l.label), ['SIRET/identifiant interne']);
      const [row] = await h.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM card_links WHERE national_id = $1', ['899700067897']);
      assert.equal(row!.n, 0, 'the other card was not linked');
      // The nonce of the refused body is still unused: its own card logs in with it.
      expectError(await h.post('/api/auth/card-login', other), 'CARD_NOT_LINKED');
    });

    it('lets a ticket expire after ten minutes', async () => {
      const t = await ticketFor('cps-pharmacien');
      h.advance(9 * 60_000);
      expectError(await h.post('/api/cards/link', { ticket: t.ticket, username: 'personne.inconnue', password: PASSWORD }), 'CREDENTIALS_INVALID');
      h.advance(60_000 + 1_000);
      expectError(await h.post('/api/cards/link', { ticket: t.ticket, username: 'demo.pharma', password: PASSWORD }), 'TICKET_INVALID');
    });

    it('Espace médecin libéral: a form error then the fixed form with the same ticket; other holders refused', async () => {
      const t = await ticketFor('cps-medecin');
      assert.equal(t.independentDoctorAllowed, true);
      const bad = await h.post('/api/accounts/independent-doctor', { ticket: t.ticket, profile: { ...PROFILE, email: 'pas-un-mail' } });
      expectError(bad, 'PROFILE_INVALID');
      assert.deepEqual(bad.body.error.fields, { email: 'email' });
      const created = await h.post('/api/accounts/independent-doctor', { ticket: t.ticket, profile: PROFILE });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      keep(created.body.session);
      assert.equal(created.body.account.username, 'rpps.899700012349');
      assert.deepEqual(created.body.account.nationalIds, [{ label: 'RPPS', value: '899700012349', type: 'RPPS' }]);
      expectError(await h.post('/api/accounts/independent-doctor', { ticket: t.ticket, profile: PROFILE }), 'TICKET_INVALID');

      const nurse = await ticketFor('cps-infirmier');
      assert.equal(nurse.independentDoctorAllowed, false);
      expectError(await h.post('/api/accounts/independent-doctor', { ticket: nurse.ticket, profile: PROFILE }), 'INDEPENDENT_DOCTOR_ONLY');
    });

    it('serves the login page with its card button, and Mon compte only to a session', async () => {
      const b = await newBrowser();
      const page = await b.get('/');
      const html = await page.text();
      assert.equal(page.status(), 200);
      assert.match(html, /<html lang="fr">/);
      assert.match(html, /Se connecter par carte CPx/);
      assert.match(html, /CPx Link ne s'ouvre pas \? Cliquez ici/);
      assert.match(html, /<label for="username">Nom d'utilisateur<\/label>/);
      assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
      assert.match(page.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      assert.doesNotMatch(page.headers()['content-security-policy'] ?? '', /unsafe-inline/);
      assert.equal(page.headers()['x-frame-options'], 'DENY');
      const script = await b.get('/static/login.js');
      assert.equal(script.status(), 200);
      assert.match(script.headers()['content-type'] ?? '', /javascript/);
      const compte = await accountPage(b);
      assert.deepEqual([compte.status, compte.location], [303, '/']);
    });

    it('logs in with the password form (a session cookie, HttpOnly, SameSite=Lax), shows Mon compte, logs out', async () => {
      const b = await newBrowser();
      const r = await loginForm(b, 'demo.etab', PASSWORD);
      assert.deepEqual([r.status(), r.headers().location], [303, '/compte']);
      const c = await cookie(b, 'cpx-session');
      assert.ok(c, 'no cpx-session cookie');
      keep(c.value);
      assert.deepEqual([c.httpOnly, c.sameSite, c.path, c.secure, c.expires], [true, 'Lax', '/', false, -1]);
      const csrf = await cookie(b, 'cpx-csrf');
      assert.deepEqual([csrf?.httpOnly, csrf?.sameSite, csrf?.path], [true, 'Lax', '/']);
      const [row] = await h.server.db.query<{ kind: string }>('SELECT kind FROM sessions WHERE token_hash = $1', [c.value]);
      assert.equal(row, undefined, 'the session is stored hashed');

      const compte = await accountPage(b);
      assert.equal(compte.status, 200);
      for (const text of ['Mon compte', 'Administration', 'Id nationaux', 'FINESS/identifiant interne', '3330999996/CPET00001',
        'CENTRE HOSPITALIER DE TEST CPX', 'Service des admissions', 'PETIT', 'Se déconnecter']) assert.ok(compte.html.includes(text), `no "${text}" on Mon compte`);
      assert.equal((await b.get('/')).headers().location, '/compte', 'logged in: / goes to Mon compte');
      assert.deepEqual(await loginState(b), { loggedIn: true, waiting: false });
      expectError(await h.get('/api/me', { authorization: `Bearer ${c.value}` }), 'SESSION_INVALID');

      const out = await b.post('/deconnexion', { form: { _csrf: await csrfOf(b, '/compte') }, headers: { origin: h.server.origin } });
      assert.deepEqual([out.status(), out.headers().location], [303, '/']);
      assert.equal(await cookie(b, 'cpx-session'), undefined);
      assert.equal((await accountPage(b)).status, 303);
      // The server-side row is gone too: the old cookie value opens nothing.
      const again = await request.newContext({ baseURL: h.server.url, maxRedirects: 0, extraHTTPHeaders: { cookie: `cpx-session=${c.value}` } });
      browsers.push(again);
      assert.equal((await accountPage(again)).status, 303);
    });

    it('answers a wrong password on the form with the same lockout as linking', async () => {
      const b = await newBrowser();
      const wrong = await loginForm(b, 'demo.pharma', 'wrong-password');
      assert.equal(wrong.status(), 401);
      const html = await wrong.text();
      assert.match(html, /Nom d&#39;utilisateur ou mot de passe incorrect\./);
      assert.match(html, /value="demo.pharma"/, 'the username is kept');
      for (let i = 0; i < 4; i++) await loginForm(b, 'demo.pharma', 'wrong-password');
      const locked = await loginForm(b, 'demo.pharma', PASSWORD);
      assert.equal(locked.status(), 429);
      assert.match(await locked.text(), /Trop de tentatives/);
      assert.equal(await cookie(b, 'cpx-session'), undefined);
      expectError(await h.post('/api/cards/link', { ...await proof('cps-pharmacien'), username: 'demo.pharma', password: PASSWORD }), 'RATE_LIMITED');
      // An inactive account is said so on the form, to whoever gives its password only.
      const inactive = await loginForm(b, 'demo.inactif', PASSWORD);
      assert.equal(inactive.status(), 403);
      assert.match(await inactive.text(), /Ce compte n&#39;est pas actif/);
    });

    it('refuses the login form, logout and the card button without a CSRF token or from another origin', async () => {
      const b = await newBrowser();
      const token = await csrfOf(b);
      const form = { username: 'demo.etab', password: PASSWORD };
      await expectPage(await b.post('/connexion', { form, headers: { origin: h.server.origin } }), 'FORM_EXPIRED');
      await expectPage(await b.post('/connexion', { form: { ...form, _csrf: 'x'.repeat(52) }, headers: { origin: h.server.origin } }), 'FORM_EXPIRED');
      await expectPage(await b.post('/connexion', { form: { ...form, _csrf: token }, headers: { origin: 'https://evil.example' } }), 'FORM_EXPIRED');
      const other = await newBrowser();
      await expectPage(await b.post('/connexion', { form: { ...form, _csrf: await csrfOf(other) }, headers: { origin: h.server.origin } }), 'FORM_EXPIRED');
      assert.equal(await cookie(b, 'cpx-session'), undefined, 'nobody logged in');

      assert.equal((await loginForm(b, 'demo.etab', PASSWORD)).status(), 303);
      await expectPage(await b.post('/deconnexion', { form: {}, headers: { origin: h.server.origin } }), 'FORM_EXPIRED');
      await expectPage(await b.post('/deconnexion', { form: { _csrf: await csrfOf(b, '/compte') }, headers: { origin: 'https://evil.example' } }), 'FORM_EXPIRED');
      assert.equal((await accountPage(b)).status, 200, 'still logged in');

      const c = await newBrowser();
      const t = await csrfOf(c);
      const refused: Record<string, string>[] = [{ origin: h.server.origin }, { 'x-csrf-token': t }, { 'x-csrf-token': t, origin: 'https://evil.example' },
        { 'x-csrf-token': t, origin: 'null' }];
      for (const headers of refused) {
        const r = await c.post('/connexion/carte', { data: {}, headers });
        assert.equal(r.status(), 403, JSON.stringify(headers));
        assert.equal((await r.json()).error.code, 'FORM_EXPIRED');
      }
      assert.equal(await cookie(c, 'cpx-tx'), undefined, 'no transaction started');
      const [{ n }] = await h.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM login_transactions') as [{ n: number }];
      assert.equal(n, 0);
    });

    it('completes a browser login for a linked card in the browser that started it, once', async () => {
      const a = await newBrowser();
      const tx = await startTransaction(a);
      assert.match(tx.transaction, OPAQUE);
      assert.deepEqual(parseLoginLink(tx.link), { origin: h.server.origin, transaction: tx.transaction });
      const ttl = Date.parse(tx.expiresAt) - h.now();
      assert.ok(ttl > 4.5 * 60_000 && ttl <= 5 * 60_000 + 5_000, `transaction ttl ${ttl}`);
      const txCookie = await cookie(a, 'cpx-tx');
      assert.ok(txCookie);
      keep(txCookie.value);
      assert.deepEqual([txCookie.httpOnly, txCookie.sameSite, txCookie.path, txCookie.secure], [true, 'Lax', '/', false]);
      assert.deepEqual(await loginState(a), { loggedIn: false, waiting: true });

      const challenge = await h.post('/api/transactions/challenge', { transaction: tx.transaction });
      assert.deepEqual(challenge.body.service, { name: "Service d'orientation (référence CPx Link)", origin: h.server.origin });
      const done = await completeWith(tx.transaction, 'cpe');
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.status, 'logged-in');
      assert.equal(done.body.account.username, 'demo.etab');
      assert.equal(done.body.session, undefined, 'the app gets no session of its own');
      const url = new URL(done.body.completeUrl);
      assert.equal(url.origin + url.pathname, `${h.server.origin}/connexion/terminer`);
      assert.match(url.searchParams.get('code')!, OPAQUE);
      assert.deepEqual(await loginState(a), { loggedIn: false, waiting: true }, 'nothing for the browser before it redeems');

      await expectAccountHere(await a.get(done.body.completeUrl), /3330999996\/CPET00001/);
      keep((await cookie(a, 'cpx-session'))!.value);
      assert.equal(await cookie(a, 'cpx-tx'), undefined, 'the transaction cookie is cleared');
      assert.deepEqual(await loginState(a), { loggedIn: true, waiting: false });
      assert.match((await accountPage(a)).html, /3330999996\/CPET00001/);

      await expectPage(await a.get(done.body.completeUrl), 'TRANSACTION_UNKNOWN');
      expectError(await h.post('/api/transactions/challenge', { transaction: tx.transaction }), 'TRANSACTION_UNKNOWN');
      const replay = await h.post('/api/transactions/complete', { transaction: tx.transaction, ...await proof('cpe') });
      expectError(replay, 'TRANSACTION_UNKNOWN');
    });

    it('defeats a relayed link: the victim\'s card never logs the attacker\'s browser in', async () => {
      const attacker = await newBrowser();
      const victim = await newBrowser();
      // The attacker starts a transaction and sends its link to the victim, whose app completes it with their card…
      const tx = await startTransaction(attacker);
      const done = await completeWith(parseLoginLink(tx.link).transaction, 'cpe');
      assert.equal(done.body.status, 'logged-in');
      // …and opens the completion URL in the victim's own default browser, which lacks the attacker's cookie.
      await expectPage(await victim.get(done.body.completeUrl), 'TRANSACTION_OTHER_BROWSER');
      assert.match(await (await victim.get(done.body.completeUrl)).text(), /inconnue ou a déjà servi/, 'the code is burnt');
      assert.equal(await cookie(victim, 'cpx-session'), undefined);
      assert.deepEqual(await loginState(attacker), { loggedIn: false, waiting: true });
      // Even if the attacker got hold of the URL, it is spent.
      await expectPage(await attacker.get(done.body.completeUrl), 'TRANSACTION_UNKNOWN');
      assert.equal((await accountPage(attacker)).status, 303);

      // The same with no cookie at all (a plain HTTP client).
      const tx2 = await startTransaction(attacker);
      const done2 = await completeWith(tx2.transaction, 'cpe');
      const bare = await fetch(done2.body.completeUrl, { redirect: 'manual' });
      assert.equal(bare.status, 403);
      assert.equal(bare.headers.get('set-cookie'), null);
      assert.deepEqual(await loginState(attacker), { loggedIn: false, waiting: true });
      const [audited] = await h.server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE event = 'browser-login' AND outcome = 'TRANSACTION_OTHER_BROWSER'");
      assert.equal(audited!.n, 2);
    });

    it('refuses unknown and expired transactions, a nonce of another transaction, and a late completion URL', async () => {
      const unknown = 'B'.repeat(43);
      expectError(await h.post('/api/transactions/challenge', { transaction: unknown }), 'TRANSACTION_UNKNOWN');
      expectError(await h.post('/api/transactions/complete', { transaction: unknown, ...await proof('cpe') }), 'TRANSACTION_UNKNOWN');
      expectError(await h.post('/api/transactions/challenge', { transaction: 'not-an-id' }), 'BAD_REQUEST');

      const b = await newBrowser();
      const one = await startTransaction(b);
      const secret = (await cookie(b, 'cpx-tx'))!.value;
      const two = await startTransaction(b);
      assert.equal((await cookie(b, 'cpx-tx'))!.value, secret, 'one browser, one transaction secret');
      const n1 = keep((await h.post('/api/transactions/challenge', { transaction: one.transaction })).body.nonce);
      const t1 = await cards.cpe!.token(h.server.origin, n1);
      expectError(await h.post('/api/transactions/complete', { transaction: two.transaction, token: t1, nonce: n1 }), 'NONCE_UNKNOWN');
      expectError(await h.post('/api/auth/card-login', { token: t1, nonce: n1 }), 'NONCE_UNKNOWN');
      const plain = await proof('cpe');
      expectError(await h.post('/api/transactions/complete', { transaction: two.transaction, ...plain }), 'NONCE_UNKNOWN');
      // Neither refusal used the nonce up: it completes its own transaction.
      const ok = await h.post('/api/transactions/complete', { transaction: one.transaction, token: t1, nonce: n1 });
      assert.equal(ok.body.status, 'logged-in', JSON.stringify(ok.body));
      // Both transactions of this browser share its cookie: the second still completes here.
      const done2 = await completeWith(two.transaction, 'cpe');
      await expectAccountHere(await b.get(done2.body.completeUrl), /3330999996\/CPET00001/);

      const late = await newBrowser();
      const expiring = await startTransaction(late);
      const n3 = keep((await h.post('/api/transactions/challenge', { transaction: expiring.transaction })).body.nonce);
      const lateDone = await completeWith((await startTransaction(late)).transaction, 'cpe');
      h.advance(5 * 60_000 + 1_000);
      expectError(await h.post('/api/transactions/challenge', { transaction: expiring.transaction }), 'TRANSACTION_EXPIRED');
      expectError(await h.post('/api/transactions/complete', { transaction: expiring.transaction, token: await cards.cpe!.token(h.server.origin, n3), nonce: n3 }),
        'TRANSACTION_EXPIRED');
      await expectPage(await late.get(lateDone.body.completeUrl), 'TRANSACTION_EXPIRED');
      await expectPage(await late.get('/connexion/terminer?code=nope'), 'TRANSACTION_UNKNOWN');
      assert.equal(await cookie(late, 'cpx-session'), undefined);
    });

    it('ends a first login started in the browser in that same browser, without a second PIN', async () => {
      const b = await newBrowser();
      const tx = await startTransaction(b);
      const done = await completeWith(tx.transaction, 'cps-accents');
      assert.equal(done.body.status, 'link-required', JSON.stringify(done.body));
      assert.match(done.body.ticket, OPAQUE);
      expectError(await h.post('/api/transactions/challenge', { transaction: tx.transaction }), 'TRANSACTION_UNKNOWN');
      expectError(await h.post('/api/cards/link', { ticket: done.body.ticket, username: 'demo.infirmier', password: 'wrong-password' }), 'CREDENTIALS_INVALID');
      // The transaction's five minutes are over by the time the password is found: the ticket and the browser's cookie outlive them.
      h.advance(6 * 60_000);
      const linked = await h.post('/api/cards/link', { ticket: done.body.ticket, username: 'demo.infirmier', password: PASSWORD });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      keep(linked.body.session);
      const url = new URL(linked.body.completeUrl);
      keep(url.searchParams.get('code')!);
      assert.equal(url.origin + url.pathname, `${h.server.origin}/connexion/terminer`);
      await expectAccountHere(await b.get(linked.body.completeUrl), /899700067897/);
      assert.match((await accountPage(b)).html, /899700067897/);
    });

    it('opens the browser from the app\'s card session (hand-off): once, within a minute, for a card session only', async () => {
      const app = await h.post('/api/auth/card', await proof('cpe'));
      const session = keep(app.body.session as string);
      const handoff = await h.post('/api/auth/browser-handoff', undefined, { authorization: `Bearer ${session}` });
      assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
      const url = new URL(handoff.body.url);
      keep(url.searchParams.get('c')!);
      assert.equal(url.origin + url.pathname, `${h.server.origin}/connexion/code`);
      assert.ok(Date.parse(handoff.body.expiresAt) - h.now() <= 61_000);
      const b = await newBrowser();
      await expectAccountHere(await b.get(handoff.body.url), /demo\.etab/);
      const browserSession = keep((await cookie(b, 'cpx-session'))!.value);
      assert.match((await accountPage(b)).html, /demo\.etab/);
      await expectPage(await (await newBrowser()).get(handoff.body.url), 'TRANSACTION_UNKNOWN');

      const slow = await h.post('/api/auth/browser-handoff', undefined, { authorization: `Bearer ${session}` });
      keep(new URL(slow.body.url).searchParams.get('c')!);
      h.advance(61_000);
      await expectPage(await (await newBrowser()).get(slow.body.url), 'TRANSACTION_EXPIRED');

      expectError(await h.post('/api/auth/browser-handoff', undefined), 'SESSION_INVALID');
      expectError(await h.post('/api/auth/browser-handoff', undefined, { authorization: `Bearer ${browserSession}` }), 'SESSION_INVALID');
    });

    it('purges expired tickets, transactions and codes with the rest', async () => {
      await ticketFor('cps-pharmacien');
      await startTransaction(await newBrowser());
      h.advance(2 * 60 * 60_000);
      await h.server.service.purgeExpired();
      for (const table of ['link_tickets', 'login_transactions', 'browser_codes']) {
        const [{ n }] = await h.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`) as [{ n: number }];
        assert.equal(n, 0, table);
      }
    });

    it('keeps no secret in the audit log, and logs tickets, transactions and browser logins', async () => {
      const rows = await h.server.db.query<{ event: string; outcome: string }>('SELECT * FROM audit_log ORDER BY id');
      const text = JSON.stringify(rows);
      for (const s of secrets) assert.ok(!text.includes(s), 'a secret is in the audit log');
      const seen = new Set(rows.map((r) => `${r.event}:${r.outcome}`));
      for (const e of ['ticket:ok', 'link:TICKET_INVALID', 'transaction-start:ok', 'transaction:ok', 'transaction:TRANSACTION_EXPIRED',
        'browser-login:ok', 'browser-login:TRANSACTION_OTHER_BROWSER', 'handoff:ok', 'logout:ok', 'independent-doctor:ok']) {
        assert.ok(seen.has(e), `no ${e} in the audit log`);
      }
    });
  });
}
