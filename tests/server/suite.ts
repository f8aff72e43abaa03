// The service's behaviour, written once and run against each database (pglite.test.ts, postgres.test.ts).
// Steps share one running service and build on each other (a card linked early is logged in with later).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_ESTABLISHMENT } from '../../native/sim/profiles.ts';
import { ERRORS } from '../../protocol/errors.ts';
import { startHarness } from './harness.ts';
import type { Answer, DbKind, Harness } from './harness.ts';
import { cardSigner } from './tokens.ts';
import type { CardSigner } from './tokens.ts';

const PASSWORD = 'Demo-CPx-2026!';
const PROFILE = { specialty: 'Qualifié en médecine générale', email: 'lucie.bernard@example.org', phone: '05 56 00 00 00',
  mobile: '06 12 34 56 78', address: '1 rue de la Santé', postalCode: '33000', city: 'Bordeaux' };

export function serviceSuite(kind: DbKind): void {
  describe(`account service on ${kind}`, () => {
    let h: Harness;
    const cards: Record<string, CardSigner> = {};
    const secrets: string[] = [PASSWORD, 'wrong-password'];
    /** A fresh challenge answered by the card: the token and the nonce it answers, as every body carries them. */
    const proof = async (profile: string, opts?: { algorithm?: 'RS256' | 'PS256' }) => {
      const nonce = await h.challenge();
      secrets.push(nonce);
      const token = await cards[profile]!.token(h.server.origin, nonce, opts);
      secrets.push(token.signature);
      return { token, nonce };
    };
    const expectError = (r: Answer, code: keyof typeof ERRORS) => {
      assert.equal(r.body?.error?.code, code, JSON.stringify(r.body));
      assert.equal(r.status, ERRORS[code].http);
      assert.equal(typeof r.body.error.message, 'string');
    };
    const remember = (r: Answer) => { if (r.body?.session) secrets.push(r.body.session); return r; };

    before(async () => {
      h = await startHarness(kind);
      for (const p of ['cpe', 'cpa', 'cpf', 'cps-medecin', 'cps-infirmier', 'cps-accents', 'cps-pharmacien', 'expired', 'revoked']) {
        cards[p] = await cardSigner(p);
      }
    });
    after(async () => { await h?.cleanup(); });

    it('answers health and the regions configuration', async () => {
      const health = await h.get('/api/health');
      assert.deepEqual(health.body, { status: 'ok', db: kind });
      const regions = await h.get('/api/regions');
      assert.deepEqual(regions.body.map((r: { name: string }) => r.name), ['Centre-Val de Loire', 'Grand Est', 'Île-de-France',
        'Normandie', 'Auvergne-Rhône-Alpes', 'Nouvelle-Aquitaine', 'Autres régions']);
      assert.ok(regions.body.every((r: { howToGetAccount: string }) => r.howToGetAccount.length > 10));
    });

    it('issues single-use 32-byte nonces valid five minutes', async () => {
      const before = Date.now();
      const a = await h.post('/api/auth/challenge', {});
      const b = await h.post('/api/auth/challenge', undefined);
      assert.equal(a.status, 200);
      assert.equal(Buffer.from(a.body.nonce, 'base64').length, 32);
      assert.equal(a.body.nonce.length, 44);
      assert.notEqual(a.body.nonce, b.body.nonce);
      const ttl = Date.parse(a.body.expiresAt) - before;
      assert.ok(ttl > 4.9 * 60_000 && ttl <= 5 * 60_000 + 5_000, `ttl ${ttl}`);
    });

    it('links a CPE to demo.etab: unlinked login, wrong password, link, replay refused, card login, account page', async () => {
      expectError(await h.post('/api/auth/card-login', await proof('cpe')), 'CARD_NOT_LINKED');
      expectError(await h.post('/api/cards/link', { ...await proof('cpe'), username: 'demo.etab', password: 'wrong-password' }), 'CREDENTIALS_INVALID');

      const t = await proof('cpe');
      const linked = remember(await h.post('/api/cards/link', { ...t, username: 'demo.etab', password: PASSWORD, cardNumber: '2801000040' }));
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      assert.equal(linked.body.account.username, 'demo.etab');
      assert.ok(linked.body.session.length >= 40);
      expectError(await h.post('/api/cards/link', { ...t, username: 'demo.etab', password: PASSWORD }), 'NONCE_UNKNOWN');

      const login = remember(await h.post('/api/auth/card-login', await proof('cpe')));
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.notEqual(login.body.session, linked.body.session);
      const me = await h.get('/api/me', { authorization: `Bearer ${login.body.session}` });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'demo.etab');
      assert.equal(me.body.kind, 'establishment');
      assert.deepEqual(me.body.establishment, { name: DEMO_ESTABLISHMENT.name, finess: DEMO_ESTABLISHMENT.finess, service: 'Service des admissions' });
      assert.deepEqual(me.body.nationalIds, [{ label: 'FINESS/identifiant interne', value: DEMO_ESTABLISHMENT.nationalId, type: 'FINESS' }]);
      assert.equal(me.body.cards.length, 1);
      assert.equal(me.body.cards[0].cardNumber, '2801000040');
      assert.equal(me.body.cards[0].cardType, 'CPE');
      assert.deepEqual(me.body, login.body.account);
    });

    it('refuses /api/me without a valid session', async () => {
      expectError(await h.get('/api/me'), 'SESSION_INVALID');
      expectError(await h.get('/api/me', { authorization: 'Bearer ' + 'x'.repeat(43) }), 'SESSION_INVALID');
    });

    it('accepts the same token exactly once when it is sent 100 times at once', async () => {
      const t = await proof('cpe');
      const answers = await Promise.all(Array.from({ length: 100 }, () => h.post('/api/auth/card-login', t)));
      const ok = answers.filter((r) => r.status === 200);
      assert.equal(ok.length, 1);
      remember(ok[0]!);
      for (const r of answers.filter((x) => x.status !== 200)) expectError(r, 'NONCE_UNKNOWN');
    });

    it('refuses every token that does not name its nonce, before anything else', async () => {
      const { token, nonce } = await proof('cpe');
      const lines = async () => (await h.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
      const before = await lines();
      for (const [path, extra] of [['/api/auth/card-login', {}], ['/api/auth/card', {}], ['/api/cards/link', { username: 'demo.etab', password: PASSWORD }],
        ['/api/accounts/independent-doctor', { profile: PROFILE }]] as const) {
        expectError(await h.post(path, { token, ...extra }), 'BAD_REQUEST');
      }
      // Nothing reached the service (no audit line), and the token still answers its challenge once the nonce comes along.
      assert.equal(await lines(), before);
      assert.equal(remember(await h.post('/api/auth/card-login', { token, nonce })).status, 200);
    });

    it('checks the signature against the nonce named, and takes that nonce once', async () => {
      const nonce = await h.challenge();
      const t = await cards.cpe!.token(h.server.origin, nonce);
      const other = await h.challenge();
      expectError(await h.post('/api/auth/card-login', { token: t, nonce: other }), 'TOKEN_SIGNATURE_INVALID');
      assert.equal(remember(await h.post('/api/auth/card-login', { token: t, nonce })).status, 200);
      expectError(await h.post('/api/auth/card-login', { token: t, nonce }), 'NONCE_UNKNOWN');
      expectError(await h.post('/api/auth/card-login', { token: t, nonce: Buffer.alloc(32, 1).toString('base64') }), 'NONCE_UNKNOWN');
    });

    it('accepts a PS256 token with its nonce', async () => {
      const r = remember(await h.post('/api/auth/card-login', await proof('cpe', { algorithm: 'PS256' })));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });

    it('refuses an expired nonce with NONCE_EXPIRED', async () => {
      const nonce = await h.challenge();
      const t = await cards.cpe!.token(h.server.origin, nonce);
      h.advance(5 * 60_000 + 1_000);
      expectError(await h.post('/api/auth/card-login', { token: t, nonce }), 'NONCE_EXPIRED');
    });

    it('gives the validator\'s own code for an expired or a revoked card', async () => {
      expectError(await h.post('/api/auth/card-login', await proof('expired')), 'CERT_EXPIRED');
      expectError(await h.post('/api/auth/card-login', await proof('revoked')), 'CERT_REVOKED');
    });

    it('answers an unknown user exactly like a wrong password', async () => {
      const unknown = await h.post('/api/cards/link', { ...await proof('cps-infirmier'), username: 'personne.inconnue', password: PASSWORD });
      const wrong = await h.post('/api/cards/link', { ...await proof('cps-infirmier'), username: 'demo.infirmier', password: 'wrong-password' });
      expectError(unknown, 'CREDENTIALS_INVALID');
      assert.deepEqual(unknown.body, wrong.body);
    });

    it('refuses an inactive account, saying so only to whoever knows its password', async () => {
      expectError(await h.post('/api/cards/link', { ...await proof('cps-infirmier'), username: 'demo.inactif', password: 'wrong-password' }), 'CREDENTIALS_INVALID');
      expectError(await h.post('/api/cards/link', { ...await proof('cps-infirmier'), username: 'demo.inactif', password: PASSWORD }), 'ACCOUNT_INACTIVE');
    });

    it('refuses a card already linked to another account', async () => {
      const first = remember(await h.post('/api/cards/link', { ...await proof('cpa'), username: 'demo.cpa', password: PASSWORD }));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      expectError(await h.post('/api/cards/link', { ...await proof('cpa'), username: 'demo.etab2', password: PASSWORD }), 'CARD_ALREADY_LINKED');
      const again = remember(await h.post('/api/cards/link', { ...await proof('cpa'), username: 'demo.cpa', password: PASSWORD }));
      assert.equal(again.status, 200, 'linking again to the same account is harmless');
      assert.equal(again.body.account.nationalIds[0].label, 'SIRET/identifiant interne');
    });

    it('links one card to two accounts 50 times at once: exactly one link', async () => {
      const proofs = await Promise.all(Array.from({ length: 50 }, () => proof('cps-accents')));
      const answers = await Promise.all(proofs.map((t, i) => h.post('/api/cards/link',
        { ...t, username: i % 2 ? 'demo.etab2' : 'demo.infirmier', password: PASSWORD })));
      const winners = new Set(answers.filter((r) => r.status === 200).map((r) => remember(r).body.account.username));
      assert.equal(winners.size, 1, `linked to ${[...winners].join(', ')}`);
      // Beyond five password checks in flight for one username, the rest are refused unchecked (the lockout).
      const losers = answers.filter((x) => x.status !== 200);
      for (const r of losers) expectError(r, r.body?.error?.code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'CARD_ALREADY_LINKED');
      assert.ok(losers.some((r) => r.body.error.code === 'CARD_ALREADY_LINKED'), 'the race reached the link');
      const rows = await h.server.db.query<{ account_id: number }>('SELECT account_id FROM card_links WHERE national_id = $1', ['899700067897']);
      assert.equal(rows.length, 1);
    });

    it('locks a username after five wrong passwords, whether or not it exists, then lets the owner in', async () => {
      for (const username of ['demo.interne', 'personne.inexistante']) {
        for (let i = 0; i < 5; i++) {
          expectError(await h.post('/api/cards/link', { ...await proof('cpf'), username, password: 'wrong-password' }), 'CREDENTIALS_INVALID');
        }
        const locked = await h.post('/api/cards/link', { ...await proof('cpf'), username, password: PASSWORD });
        expectError(locked, 'RATE_LIMITED');
        assert.ok(locked.body.error.params.retryAfter > 800 && locked.body.error.params.retryAfter <= 900);
        assert.equal(locked.headers.get('retry-after'), String(locked.body.error.params.retryAfter));
      }
      h.advance(15 * 60_000 + 1_000);
      const ok = remember(await h.post('/api/cards/link', { ...await proof('cpf'), username: 'demo.interne', password: PASSWORD }));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    it('creates an independent doctor account from a doctor\'s CPS, then refuses a second one', async () => {
      const bad = await h.post('/api/accounts/independent-doctor', { ...await proof('cps-medecin'), profile: { ...PROFILE, email: 'pas-un-mail', postalCode: '' } });
      expectError(bad, 'PROFILE_INVALID');
      assert.deepEqual(bad.body.error.fields, { email: 'email', postalCode: 'required' });
      assert.match(bad.body.error.message, /Mail, Code postal/);

      const created = remember(await h.post('/api/accounts/independent-doctor', { ...await proof('cps-medecin'), profile: PROFILE }));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const a = created.body.account;
      assert.equal(a.kind, 'independent-doctor');
      assert.equal(a.username, 'rpps.899700012349');
      assert.deepEqual([a.surname, a.givenName, a.profession, a.specialty, a.email], ['BERNARD', 'LUCIE', 'Médecin', PROFILE.specialty, PROFILE.email]);
      assert.deepEqual(a.nationalIds, [{ label: 'RPPS', value: '899700012349', type: 'RPPS' }]);
      assert.equal(a.establishment, null);

      expectError(await h.post('/api/accounts/independent-doctor', { ...await proof('cps-medecin'), profile: PROFILE }), 'ACCOUNT_EXISTS');
      const login = remember(await h.post('/api/auth/card-login', await proof('cps-medecin')));
      assert.equal(login.body.account.username, 'rpps.899700012349');
    });

    it('keeps the Espace médecin libéral for doctors holding a CPS', async () => {
      for (const p of ['cpe', 'cpa', 'cpf', 'cps-infirmier', 'cps-pharmacien']) {
        expectError(await h.post('/api/accounts/independent-doctor', { ...await proof(p), profile: PROFILE }), 'INDEPENDENT_DOCTOR_ONLY');
      }
    });

    it('validates request bodies and keeps CORS closed', async () => {
      expectError(await h.post('/api/cards/link', { ...await proof('cpe'), username: 'demo.etab' }), 'BAD_REQUEST');
      expectError(await h.post('/api/auth/card-login', '{"token":'), 'BAD_REQUEST');
      expectError(await h.post('/api/auth/card-login', { token: 'x'.repeat(40_000) }), 'BAD_REQUEST');
      expectError(await h.post('/api/auth/card-login', '{"token":"x","__proto__":{"admin":true}}'), 'BAD_REQUEST');
      expectError(await h.post('/api/auth/card-login', '{"token":"x","\\u005f_proto__":{"admin":true}}'), 'BAD_REQUEST');
      expectError(await h.get('/api/nothing-here'), 'NOT_FOUND');
      const preflight = await fetch(h.server.url + '/api/auth/card-login', {
        method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      const r = await fetch(h.server.url + '/api/regions', { headers: { origin: 'https://evil.example' } });
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
    });

    it('purges expired nonces and sessions and stale failure counts, and keeps the links', async () => {
      const session = remember(await h.post('/api/auth/card-login', await proof('cpe'))).body.session as string;
      await h.challenge();
      h.advance(9 * 60 * 60_000);
      await h.server.service.purgeExpired();
      const count = async (table: string) => (await h.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
      assert.equal(await count('nonces'), 0);
      assert.equal(await count('sessions'), 0);
      assert.equal(await count('credential_failures'), 0);
      assert.ok(await count('card_links') >= 5);
      expectError(await h.get('/api/me', { authorization: `Bearer ${session}` }), 'SESSION_INVALID');
    });

    it('keeps no secret in the audit log, and logs challenges, links and logins with their outcome', async () => {
      const rows = await h.server.db.query<{ event: string; outcome: string }>('SELECT * FROM audit_log ORDER BY id');
      const text = JSON.stringify(rows);
      for (const s of secrets) assert.ok(!text.includes(s), 'a secret is in the audit log');
      const seen = new Set(rows.map((r) => `${r.event}:${r.outcome}`));
      for (const e of ['challenge:ok', 'link:ok', 'link:CREDENTIALS_INVALID', 'link:CARD_ALREADY_LINKED', 'login:ok', 'login:CARD_NOT_LINKED',
        'login:NONCE_UNKNOWN', 'lockout:RATE_LIMITED', 'independent-doctor:ok', 'independent-doctor:INDEPENDENT_DOCTOR_ONLY']) {
        assert.ok(seen.has(e), `no ${e} in the audit log`);
      }
    });

    if (kind === 'postgres') {
      it('survives a database server restart under the running service', async () => {
        await h.restartDatabase();
        const r = await h.post('/api/auth/card-login', await proof('cpe'));
        assert.equal(r.status, 200, JSON.stringify(r.body));
      });
    }

    it('loses nothing committed across a restart', async () => {
      const session = remember(await h.post('/api/auth/card-login', await proof('cpe'))).body.session as string;
      await h.restart();
      const me = await h.get('/api/me', { authorization: `Bearer ${session}` });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'demo.etab');
      for (const [p, username] of [['cpe', 'demo.etab'], ['cpa', 'demo.cpa'], ['cps-medecin', 'rpps.899700012349'], ['cpf', 'demo.interne']] as const) {
        const r = remember(await h.post('/api/auth/card-login', await proof(p)));
        assert.equal(r.body.account?.username, username, JSON.stringify(r.body));
      }
      // The seed is idempotent: restarting with --seed keeps the links.
      const [{ n }] = await h.server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM accounts WHERE username = 'demo.etab'") as [{ n: number }];
      assert.equal(n, 1);
    });
  });
}
