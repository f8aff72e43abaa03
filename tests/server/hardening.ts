// Attacks the audit of issue #11 ran against the service, written once and run on each database
// (hardening-pglite.test.ts, hardening-postgres.test.ts): concurrent wrong passwords against the lockout, hostile
// values in every field of every endpoint that takes a body, costly keys sent to make the service work for nothing.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FIELDS, bodyRoutes } from '../../server/schemas.ts';
import { attacker } from './attacker.ts';
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
      cards.doctor = await cardSigner('cps-medecin');
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

    it('uses no attacker key before trusting it: a slow key or an untrusted chain is refused without a single verification', async () => {
      const slow = await attacker({ certificates: 2 });
      const untrusted = await attacker({ key: 'rsa2048' });
      const attackerKeys = new Set([slow, untrusted].map((a) => a.certificates[0]!.key.publicKey.export({ type: 'spki', format: 'der' }).toString('hex')));
      let uses = 0;
      const count = (arg: unknown) => {
        const k = (arg as { key?: unknown })?.key ?? arg;
        if (k instanceof crypto.KeyObject && attackerKeys.has(k.export({ type: 'spki', format: 'der' }).toString('hex'))) uses++;
      };
      const originals = { verify: crypto.verify, publicDecrypt: crypto.publicDecrypt };
      crypto.verify = ((...a: Parameters<typeof crypto.verify>) => { count(a[2]); return (originals.verify as (...x: unknown[]) => unknown)(...a); }) as typeof crypto.verify;
      crypto.publicDecrypt = ((...a: Parameters<typeof crypto.publicDecrypt>) => { count(a[0]); return originals.publicDecrypt(...a); }) as typeof crypto.publicDecrypt;
      syncBuiltinESMExports();
      try {
        // Outstanding challenges of the attacker's own address (which a nonce-less token once had tried against it).
        for (let i = 0; i < 40; i++) await h.challenge();
        for (const [a, code] of [[slow, 'CERT_KEY_UNSUPPORTED'], [untrusted, 'CERT_UNTRUSTED']] as const) {
          for (const [url, extra] of [['/api/auth/card-login', {}], ['/api/cards/link', { username: 'demo.etab2', password: 'x' }],
            ['/api/accounts/independent-doctor', { profile: FIELDS.profile.examples[0] }]] as const) {
            for (let i = 0; i < 4; i++) {
              const nonce = await h.challenge();
              // With the challenge it answers: refused for the key or the chain. Without: refused by the body schema.
              for (const [body, expected] of [[{ token: a.token(i, h.server.origin, nonce), nonce }, code], [{ token: a.token(i, h.server.origin) }, 'BAD_REQUEST']] as const) {
                const r = await h.post(url, { ...body, ...extra });
                assert.equal(r.body?.error?.code, expected, `${url}: ${JSON.stringify(r.body)}`);
              }
            }
          }
        }
        // The counter is live: a genuine token's verification is seen (with the attacker's key swapped in as the card's).
        const probe = await h.challenge();
        crypto.verify(null, Buffer.from(probe), slow.certificates[0]!.key.publicKey, Buffer.alloc(384));
        assert.equal(uses, 1, 'the attacker keys were used');
      } finally {
        Object.assign(crypto, originals);
        syncBuiltinESMExports();
      }
    });

    describe('hostile values in every body field', () => {
      const auditLines = async () => (await h.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
      /** A well-formed body for the route: a live challenge and token, the schema's examples, 'x' for the rest. */
      const baseBody = async (schema: Schema) => {
        const nonce = await h.challenge();
        const live: Record<string, unknown> = { nonce, token: await cards.doctor!.token(h.server.origin, nonce) };
        return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, f]) => [k, k in live ? live[k] : f.examples?.[0] ?? 'x']));
      };
      /** Sends one body; no answer may be a 5xx, and a body the schema refuses leaves no audit line. */
      const attack = async (url: string, body: unknown, what: string) => {
        const before = await auditLines();
        const r = await h.post(url, typeof body === 'string' ? body : JSON.stringify(body));
        assert.ok(r.status < 500, `${url} ${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        if (r.body?.error?.code === 'BAD_REQUEST') assert.equal(await auditLines(), before, `${url} ${what}: a refused body left an audit line`);
        return r;
      };

      it('enumerates the routes that take a body from the app itself', () => {
        const urls = bodyRoutes(h.server.app).map((r) => r.url);
        for (const url of ['/api/auth/challenge', '/api/cards/link', '/api/accounts/independent-doctor', '/api/auth/card-login']) {
          assert.ok(urls.includes(url), `${url} is not listed`);
        }
      });

      it('refuses a control character in any text field with BAD_REQUEST, before any work', async () => {
        for (const route of bodyRoutes(h.server.app)) {
          for (const path of fieldPaths(route.body)) {
            const leaf = schemaAt(route.body, path);
            if (leaf?.type !== 'string' || !leaf.pattern) continue;
            for (const bad of ['a\u0000b', '\u0000', 'x\u0001y', 'a\u007fb', 'a\u0085b', 'a\ud800b']) {
              const r = await attack(route.url, withField(await baseBody(route.body), path, bad), `${path.join('.')}=${JSON.stringify(bad)}`);
              assert.equal(r.body?.error?.code, 'BAD_REQUEST', `${route.url} ${path.join('.')}=${JSON.stringify(bad)}: ${JSON.stringify(r.body)}`);
            }
          }
        }
      });

      it('never answers 5xx to hostile values in any field', async () => {
        for (const route of bodyRoutes(h.server.app)) {
          for (const path of fieldPaths(route.body)) {
            await fc.assert(fc.asyncProperty(HOSTILE, async (value) => {
              await attack(route.url, withField(await baseBody(route.body), path, value), `${path.join('.')}=${JSON.stringify(value)?.slice(0, 80)}`);
            }), { numRuns: 20 });
          }
        }
      });

      it('never answers 5xx to hostile whole bodies', async () => {
        const bodies = ['[]', '"x"', '42', 'null', 'true', '{', '{"a":1}', '{"token":' + '['.repeat(16_000) + ']'.repeat(16_000) + '}',
          '{"token":' + '{"a":'.repeat(3_000) + '1' + '}'.repeat(3_000) + '}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'];
        for (const route of bodyRoutes(h.server.app)) {
          for (const body of bodies) await attack(route.url, body, body.slice(0, 40));
          await attack(route.url, { ...await baseBody(route.body), extra: 'a\u0000b', nested: { deep: [1, { x: null }] } }, 'unknown fields');
        }
      });
    });
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON schema fragments, walked generically
type Schema = { type?: string; pattern?: string; properties?: Record<string, Schema>; examples?: any[] };

/** Paths to every field: top-level properties and the properties of an object field (e.g. profile.email). */
function fieldPaths(schema: Schema): string[][] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, f]) => [[k], ...Object.keys(f.properties ?? {}).map((sub) => [k, sub])]);
}

function schemaAt(schema: Schema, path: string[]): Schema | undefined {
  return path.reduce<Schema | undefined>((s, k) => s?.properties?.[k], schema);
}

function withField(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [k, ...rest] = path as [string, ...string[]];
  if (!rest.length) return { ...body, [k]: value };
  const inner = body[k] && typeof body[k] === 'object' ? body[k] as Record<string, unknown> : {};
  return { ...body, [k]: withField(inner, rest, value) };
}

/** What the audit sent: control characters, lone surrogates, SQL, long and odd strings, and values of every other type. */
const HOSTILE: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\ud800', '\udfff'), fc.string({ maxLength: 20 }))
    .map(([a, c, b]) => a + c + b),
  fc.constantFrom("' OR '1'='1", "demo.etab'; DROP TABLE accounts; --", '$1', '\\', '%00', '\u202e', 'a'.repeat(5_000), 'é€😀',
    'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=', '0'.repeat(10), ' '),
  fc.anything({ maxDepth: 3 }),
);
