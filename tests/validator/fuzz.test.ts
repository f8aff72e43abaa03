// Property-based fuzz: more than 10,000 mutated tokens. None that differs from the genuine token in what it says
// (certificate, signature, algorithm, format, expected origin and nonce) may be accepted, and every refusal must be
// a CpxError (never a raw exception from a parser or from crypto).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { CpxError } from '../../protocol/errors.ts';
import { TokenValidator } from '../../server/validator/index.ts';
import { SUBJECTS, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, type TestCert } from './pki-fixture.ts';
import { ORIGIN, tempDir } from './helpers.ts';

const tmp = tempDir('fuzz');
after(() => tmp.cleanup());
const nonce = randomNonce();
let validator: TokenValidator;
let genuine: Record<string, unknown>;
let genuineText: string;
let other: TestCert;
let otherSignature: string;

before(async () => {
  const { root, intermediate } = await makeChain();
  const [key, otherKey] = await Promise.all([makeKey('rsa2048'), makeKey('rsa2048')]);
  const leaf = await makeLeaf(intermediate, { subject: SUBJECTS.medecin, key, cardType: 0 });
  other = await makeLeaf(intermediate, { subject: SUBJECTS.medecin, key: otherKey, cardType: 0 });
  writeFileSync(tmp.path('ca.crl'), await makeCrl(intermediate));
  validator = new TokenValidator({ trustAnchors: [root.pem, intermediate.pem], crls: { files: [tmp.path('ca.crl')], fetch: false } });
  genuine = { ...makeToken(leaf, ORIGIN, nonce) };
  genuineText = JSON.stringify(genuine);
  otherSignature = makeToken(other, ORIGIN, nonce).signature;
});

type Mutant = { token: unknown; origin: string; nonce: string };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bytesOf = (field: string) => Buffer.from(genuine[field] as string, 'base64');

function withField(field: string, value: unknown): Mutant {
  return { token: { ...genuine, [field]: value }, origin: ORIGIN, nonce };
}

/** Mutations of the binary fields: flips, overwrites, truncations, extensions, splices. */
const binaryMutation = (field: 'unverifiedCertificate' | 'signature') => fc.oneof(
  fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
    const b = bytesOf(field);
    b[at % b.length]! ^= xor;
    return withField(field, b64(b));
  }),
  fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }).map(({ at, bytes }) => {
    const b = bytesOf(field);
    b.set(bytes.subarray(0, b.length - (at % b.length)), at % b.length);
    return withField(field, b64(b));
  }),
  fc.nat().map((n) => withField(field, b64(bytesOf(field).subarray(0, n % bytesOf(field).length)))),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((extra) => withField(field, b64(Buffer.concat([bytesOf(field), extra])))),
  fc.uint8Array({ minLength: 0, maxLength: 600 }).map((random) => withField(field, b64(random))),
);

/** Mutations of the JSON text itself: a character replaced, removed or inserted anywhere. */
const textMutation = fc.record({ at: fc.nat(), ch: fc.string({ minLength: 0, maxLength: 3 }), del: fc.nat({ max: 3 }) })
  .map(({ at, ch, del }) => {
    const i = at % genuineText.length;
    return { token: genuineText.slice(0, i) + ch + genuineText.slice(i + del), origin: ORIGIN, nonce };
  });

const fieldMutation = fc.oneof(
  fc.constantFrom('unverifiedCertificate', 'algorithm', 'signature', 'format').chain((f) => fc.oneof(
    fc.anything().map((v) => withField(f, v)),
    fc.string({ maxLength: 30 }).map((v) => withField(f, v)),
    fc.constant((() => { const { [f]: _gone, ...rest } = genuine; return { token: rest, origin: ORIGIN, nonce }; })()),
  )),
  fc.constantFrom('RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'none', 'rs256', 'RS256 ')
    .map((a) => withField('algorithm', a)),
  fc.constantFrom('web-eid:2', 'web-eid:0.9', 'web-eid:10', 'web-eid', '', 'WEB-EID:1.0').map((f) => withField('format', f)),
  fc.constant(null).map(() => withField('unverifiedCertificate', b64(other.der))),
  fc.constant(null).map(() => withField('signature', otherSignature)),
);

const expectedMutation = fc.oneof(
  fc.constantFrom('https://evil.example.org', 'http://cpx.example.org', 'https://cpx.example.org:8443', 'https://cpx.example.org.evil.org')
    .map((origin) => ({ token: genuine, origin, nonce })),
  fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/).map((n) => ({ token: genuine, origin: ORIGIN, nonce: n })),
);

const wholeToken = fc.oneof(fc.anything(), fc.json(), fc.object(), fc.string({ maxLength: 200 }))
  .map((token) => ({ token, origin: ORIGIN, nonce }));

const mutants: fc.Arbitrary<Mutant> = fc.oneof(
  { weight: 2, arbitrary: binaryMutation('unverifiedCertificate') },
  { weight: 3, arbitrary: binaryMutation('signature') },
  { weight: 3, arbitrary: textMutation },
  { weight: 2, arbitrary: fieldMutation },
  { weight: 1, arbitrary: expectedMutation },
  { weight: 1, arbitrary: wholeToken },
);

/** Says the same as the genuine token (same certificate, signature, algorithm, a 1.x format, same expectations)? */
function sameMeaning(m: Mutant): boolean {
  if (m.origin !== ORIGIN || m.nonce !== nonce) return false;
  let t: unknown = m.token;
  const size = typeof t === 'string' ? t.length : (() => { try { return JSON.stringify(t)?.length ?? 0; } catch { return 0; } })();
  if (size < 100 || size > 10_000) return false;
  if (typeof t === 'string') {
    try { t = JSON.parse(t); } catch { return false; }
  }
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return false;
  const o = t as Record<string, unknown>;
  return o.unverifiedCertificate === genuine.unverifiedCertificate && o.signature === genuine.signature
    && o.algorithm === genuine.algorithm && typeof o.format === 'string' && /^web-eid:1(\.|$)/.test(o.format);
}

test('10,000+ mutated tokens: none with another meaning accepted, every refusal a CpxError', async () => {
  // The genuine token is accepted, so the refusals below are the validator's doing, not a broken setup.
  assert.ok(await validator.validate(genuineText, { origin: ORIGIN, nonce }));
  let different = 0;
  let acceptedDifferent = 0;
  const codes = new Map<string, number>();
  await fc.assert(fc.asyncProperty(mutants, async (m) => {
    const meaningful = !sameMeaning(m);
    if (meaningful) different++;
    try {
      await validator.validate(m.token, { origin: m.origin, nonce: m.nonce });
      if (meaningful) acceptedDifferent++;
    } catch (err) {
      if (!(err instanceof CpxError)) throw new Error(`uncaught non-CpxError: ${String(err)}`, { cause: err });
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
    }
    return true;
  }), { numRuns: 11_000, seed: 20261122 });
  assert.equal(acceptedDifferent, 0);
  assert.ok(different >= 10_000, `only ${different} meaningful mutants`);
  // The fuzz reaches every stage of the validator, not only the JSON parser.
  for (const code of ['TOKEN_SIZE', 'TOKEN_MALFORMED', 'TOKEN_FORMAT_UNSUPPORTED', 'CERT_MALFORMED', 'CERT_UNTRUSTED',
    'TOKEN_ALGORITHM_UNSUPPORTED', 'TOKEN_SIGNATURE_INVALID']) {
    assert.ok((codes.get(code) ?? 0) > 0, `no mutant reached ${code}: ${JSON.stringify([...codes])}`);
  }
});
