// Token validator throughput against raw `crypto.verify` RSA-2048/SHA-256 on the same key and message, measured in
// the same run in interleaved slices (so a busy machine slows both alike). Goal: ratio ≥ 0.5.
// Every validation is complete: JSON, format, certificate (cached per certificate), validity, chain (cached path,
// CA validity re-checked), revocation (lookup in the cached CRL), signature. Nothing is skipped.
//
// Run: `npm run --silent bench -- validator` or `node --import tsx bench/validator.ts`. Options: --rounds N (default 30),
// --slice-ms N (default 120). JSON lines; the last one is the headline {bench, tokensPerSec, rawVerifyPerSec, ratio}:
// throughputs over all rounds, and `ratio` the median of the per-round ratios (each round runs both sides back to back,
// so a burst of load from another process skews one round, not the result; `aggregateRatio` is totals over totals).
import { constants, createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TokenValidator } from '../server/validator/index.ts';
import { SUBJECTS, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce } from '../tests/validator/pki-fixture.ts';

const GOAL = 0.5;
const ORIGIN = 'https://cpx.example.org';
const { values } = parseArgs({ options: { rounds: { type: 'string' }, 'slice-ms': { type: 'string' } }, strict: false });
const ROUNDS = Math.max(1, Number(values.rounds ?? 30));
const SLICE_MS = Math.max(20, Number(values['slice-ms'] ?? 120));
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'validator', ...o }));
const round = (n: number) => Math.round(n);

// ---- a PKI shaped like IGC-Santé: root → intermediate (pathLen 0) → 8 card certificates, and a CRL of 2,000 serials ----
const setupStart = performance.now();
const { root, intermediate } = await makeChain();
const keys = await Promise.all([makeKey('rsa2048'), makeKey('rsa2048')]);
const subjects = [SUBJECTS.medecin, SUBJECTS.pharmacien, SUBJECTS.cpe];
const leaves = await Promise.all(Array.from({ length: 8 }, (_, i) =>
  makeLeaf(intermediate, { subject: subjects[i % 3]!, key: keys[i % 2]!, cardType: i % 3 === 2 ? 2 : 0, crlUrls: ['http://igc-sante.test.invalid/CRL/ca.crl'] })));
const dir = mkdtempSync(join(tmpdir(), 'cpx-bench-validator-'));
const crlFile = join(dir, 'ca.crl');
writeFileSync(crlFile, await makeCrl(intermediate, {
  revoked: Array.from({ length: 2000 }, (_, i) => ({ serial: (0x7f000000 + i).toString(16) })),
}));
const tokens = leaves.map((leaf) => {
  const nonce = randomNonce();
  return { text: JSON.stringify(makeToken(leaf, ORIGIN, nonce)), object: makeToken(leaf, ORIGIN, nonce), expected: { origin: ORIGIN, nonce } };
});
const validator = new TokenValidator({ trustAnchors: [root.pem + intermediate.pem], crls: { files: [crlFile], fetch: false }, revocation: 'hard' });

// The raw baseline: one RSA-2048 PKCS#1 v1.5 SHA-256 verification of the same 64-byte message with the same key.
const first = tokens[0]!;
const rawKey = leaves[0]!.key.publicKey;
const rawData = Buffer.concat([createHash('sha256').update(ORIGIN).digest(), createHash('sha256').update(first.expected.nonce).digest()]);
const rawSig = Buffer.from(first.object.signature, 'base64');
if (!verify('sha256', rawData, { key: rawKey, padding: constants.RSA_PKCS1_PADDING }, rawSig)) throw new Error('baseline signature does not verify');

// ---- cold path: every validation misses the certificate cache (decode, identity, path building) ----
{
  const cold = new TokenValidator({ trustAnchors: [root.pem + intermediate.pem], crls: { files: [crlFile], fetch: false }, cacheSize: 1 });
  const n = 40;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = tokens[i % 2]!;
    await cold.validate(t.text, t.expected);
  }
  emit({ phase: 'cold', certificateCacheMiss: true, msPerToken: Math.round(((performance.now() - t0) / n) * 100) / 100 });
}

function rawSlice(ms: number): { n: number; ms: number } {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 32; i++) verify('sha256', rawData, rawKey, rawSig);
    n += 32;
    t = performance.now();
  }
  return { n, ms: t - t0 };
}

async function validatorSlice(ms: number, form: 'text' | 'object'): Promise<{ n: number; ms: number }> {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 32; i++) {
      const tok = tokens[(n + i) & 7]!;
      await validator.validate(form === 'text' ? tok.text : tok.object, tok.expected);
    }
    n += 32;
    t = performance.now();
  }
  return { n, ms: t - t0 };
}

// Warm-up: JIT, certificate cache, CRL parsed.
rawSlice(200);
await validatorSlice(200, 'text');
emit({ phase: 'setup', certificates: leaves.length, crlEntries: 2000, setupMs: round(performance.now() - setupStart) });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Rounds of raw and validator slices back to back (alternating which goes first, so load drifts favour neither). */
async function measure(form: 'text' | 'object', rounds: number, printRounds: boolean) {
  let rawN = 0, rawMs = 0, valN = 0, valMs = 0;
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = r % 2 === 0 ? rawSlice(SLICE_MS) : await validatorSlice(SLICE_MS, form);
    const b = r % 2 === 0 ? await validatorSlice(SLICE_MS, form) : rawSlice(SLICE_MS);
    const [raw, val] = r % 2 === 0 ? [a, b] : [b, a];
    rawN += raw.n; rawMs += raw.ms; valN += val.n; valMs += val.ms;
    const rawPs = raw.n / (raw.ms / 1000);
    const valPs = val.n / (val.ms / 1000);
    ratios.push(valPs / rawPs);
    if (printRounds) emit({ round: r + 1, rawVerifyPerSec: round(rawPs), tokensPerSec: round(valPs), ratio: r3(valPs / rawPs) });
  }
  const rawVerifyPerSec = rawN / (rawMs / 1000);
  const tokensPerSec = valN / (valMs / 1000);
  return {
    tokensPerSec: round(tokensPerSec), rawVerifyPerSec: round(rawVerifyPerSec), ratio: r3(median(ratios)),
    aggregateRatio: r3(tokensPerSec / rawVerifyPerSec), input: form === 'text' ? 'json-text' : 'object', rounds,
  };
}

const main = await measure('text', ROUNDS, true);
// Tokens already parsed by a JSON body parser (the account service's case).
emit(await measure('object', Math.max(2, Math.round(ROUNDS / 5)), false));

rmSync(dir, { recursive: true, force: true });
emit({ ...main, goal: GOAL, withinGoal: main.ratio >= GOAL });
