// Attacks the audit of issue #11 ran against the service, written once and run on each database
// (hardening-pglite.test.ts, hardening-postgres.test.ts): concurrent wrong passwords against the lockout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness } from './harness.ts';
import type { Answer, DbKind, Harness } from './harness.ts';
import { cardSigner } from './tokens.ts';
import type { CardSigner } from './tokens.ts';

const PASSWORD = 'Demo-CPx-2026!';
const LOCK_MS = 15 * 60_000;

export function hardeningSuite(kind: DbKind): void {
  describe(`service hardening on ${kind}`, () => {
    let h: Harness;
    const cards: Record<string, CardSigner> = {};
    /** Each account links its own card (a card links to one account only). */
    const CARD_OF: Record<string, string> = { 'demo.etab': 'cpe', 'demo.pharma': 'cps-pharmacien', 'demo.interne': 'cpf', 'demo.cpa': 'cpa' };
    /** A link request with a fresh challenge and token: only the password decides the answer. */
    const linkBody = async (username: string, password: string) => {
      const nonce = await h.challenge();
      return { token: await cards[CARD_OF[username]!]!.token(h.server.origin, nonce), nonce, username, password };
    };
    const codes = (answers: Answer[]) => answers.map((r) => r.body?.error?.code ?? `HTTP ${r.status}`);

    before(async () => {
      h = await startHarness(kind);
      for (const p of Object.values(CARD_OF)) cards[p] = await cardSigner(p);
    });
    after(async () => { await h?.cleanup(); });

    for (const [burst, username] of [[12, 'demo.etab'], [6, 'demo.pharma'], [20, 'demo.interne']] as const) {
      it(`checks at most 5 of ${burst} wrong passwords sent at once, then refuses the right one until the lock ends`, async () => {
        const bodies = await Promise.all(Array.from({ length: burst }, (_, i) => linkBody(username, `wrong-${i}`)));
        const answers = await Promise.all(bodies.map((b) => h.post('/api/cards/link', b)));
        const got = codes(answers);
        const checked = got.filter((c) => c === 'CREDENTIALS_INVALID').length;
        assert.ok(checked >= 1 && checked <= 5, `${checked} of ${burst} checked: ${got.join(' ')}`);
        assert.deepEqual(got.filter((c) => c !== 'CREDENTIALS_INVALID'), Array(burst - checked).fill('RATE_LIMITED'));

        const right = await h.post('/api/cards/link', await linkBody(username, PASSWORD));
        assert.equal(right.body?.error?.code, 'RATE_LIMITED', JSON.stringify(right.body));
        h.advance(LOCK_MS / 2);
        const stillLocked = await h.post('/api/cards/link', await linkBody(username, PASSWORD));
        assert.equal(stillLocked.body?.error?.code, 'RATE_LIMITED', 'the lock holds for its whole length');
        h.advance(LOCK_MS / 2 + 1_000);
        const ok = await h.post('/api/cards/link', await linkBody(username, PASSWORD));
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
      });
    }

    it('never clears an active lock: wrong passwords during the lock neither reset nor extend it', async () => {
      const username = 'demo.cpa';
      for (let i = 0; i < 5; i++) await h.post('/api/cards/link', await linkBody(username, `wrong-${i}`));
      const [row] = await h.server.db.query<{ locked_until: Date }>('SELECT locked_until FROM credential_failures WHERE username_key = $1', [username]);
      assert.ok(row?.locked_until, 'five failures lock the username');
      const during = await Promise.all(Array.from({ length: 8 }, async (_, i) => h.post('/api/cards/link', await linkBody(username, `again-${i}`))));
      assert.deepEqual(codes(during), Array(8).fill('RATE_LIMITED'));
      const [after] = await h.server.db.query<{ locked_until: Date }>('SELECT locked_until FROM credential_failures WHERE username_key = $1', [username]);
      assert.equal(new Date(after!.locked_until).getTime(), new Date(row.locked_until).getTime());
      h.advance(LOCK_MS + 1_000);
      assert.equal((await h.post('/api/cards/link', await linkBody(username, PASSWORD))).status, 200);
    });
  });
}
