// The token size check on objects computes JSON.stringify(o).length without building the text: exactly, or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flatJsonLength } from '../../server/validator/token-input.ts';

test('flatJsonLength equals JSON.stringify(o).length whenever it answers', () => {
  const value = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.double(), fc.integer(),
    fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.nat(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
  let answered = 0;
  fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), value, { maxKeys: 6 }), (o) => {
    const n = flatJsonLength(o);
    if (n !== null) {
      answered++;
      assert.equal(n, JSON.stringify(o).length, JSON.stringify(o));
    }
  }), { numRuns: 3000 });
  assert.ok(answered > 300, `answered only ${answered} times`);
});

test('a typical token object is measured without stringifying; odd objects fall back', () => {
  const token = { unverifiedCertificate: 'MIID'.repeat(300), algorithm: 'RS256', signature: 'AbC/+='.repeat(50), format: 'web-eid:1.0', appVersion: 'https://x/é' };
  assert.equal(flatJsonLength(token), JSON.stringify(token).length);
  assert.equal(flatJsonLength({}), 2);
  assert.equal(flatJsonLength([1, 2]), null);
  assert.equal(flatJsonLength({ a: 'quote"' }), null);
  assert.equal(flatJsonLength({ a: { b: 1 } }), null);
  assert.equal(flatJsonLength({ toJSON: () => 'x' }), null);
  assert.equal(flatJsonLength({ a: NaN }), null);
});
