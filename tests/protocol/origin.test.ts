// Origin and nonce checks shared by the card layer, the app and the validator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNonce, checkOrigin } from '../../protocol/origin.ts';
import { CpxError } from '../../protocol/errors.ts';

function refused(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => err instanceof CpxError && err.code === code);
}

describe('checkOrigin', () => {
  const accepted: [string, string][] = [
    ['https://example.org', 'https://example.org'],
    ['https://EXAMPLE.org', 'https://example.org'],
    ['HTTPS://Example.ORG:8443', 'https://example.org:8443'],
    ['https://example.org:443', 'https://example.org'],
    ['https://café.example', 'https://xn--caf-dma.example'],
    ['https://xn--caf-dma.example', 'https://xn--caf-dma.example'],
    ['https://[2001:db8::1]:8443', 'https://[2001:db8::1]:8443'],
    ['https://10.1.2.3', 'https://10.1.2.3'],
    ['http://127.0.0.1:18531', 'http://127.0.0.1:18531'],
    ['http://127.8.9.10', 'http://127.8.9.10'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://LOCALHOST', 'http://localhost'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['http://127.0.0.1:80', 'http://127.0.0.1'],
  ];
  for (const [input, want] of accepted) {
    test(`accepts ${input} → ${want}`, () => assert.equal(checkOrigin(input), want));
  }
  const rejected = [
    'https://example.org/', 'https://example.org/path', 'https://example.org?x=1', 'https://example.org#f',
    'https://user@example.org', 'https://user:pw@example.org', 'https://@example.org', 'http://example.org',
    'http://10.0.0.1', 'http://128.0.0.1', 'http://localhost.example.org', 'ftp://example.org', 'example.org',
    '//example.org', 'https://', 'https:example.org', ' https://example.org', 'https://example.org ', 'https://exa mple.org',
    'https://example.org\\', 'https://example.org:', 'https://example.org:99999', 'https://ex\tample.org', 'javascript:alert(1)',
    'https://example.org\n', `https://${'a'.repeat(600)}.org`, '',
  ];
  for (const input of rejected) {
    test(`refuses ${JSON.stringify(input).slice(0, 60)}`, () => refused(() => checkOrigin(input), 'INVALID_ORIGIN'));
  }
  test('refuses non-strings', () => {
    for (const v of [undefined, null, 42, {}, ['https://example.org']]) refused(() => checkOrigin(v), 'INVALID_ORIGIN');
  });
  test('the error names the origin it refused (truncated), in French by default', () => {
    try {
      checkOrigin('http://example.org');
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof CpxError);
      assert.match(err.toBody().message, /http:\/\/example\.org/);
      assert.match(err.toBody().message, /adresse du service/);
    }
  });
});

describe('checkNonce', () => {
  const b64 = (n: number) => Buffer.from(new Uint8Array(n).map((_, i) => i * 7)).toString('base64');
  test('accepts 32 random bytes in base64 (44 characters)', () => {
    const n = b64(32);
    assert.equal(n.length, 44);
    assert.equal(checkNonce(n), n);
  });
  test('accepts up to 128 characters, base64url too', () => {
    assert.equal(checkNonce('A'.repeat(128)), 'A'.repeat(128));
    assert.equal(checkNonce('-_'.repeat(30)), '-_'.repeat(30));
    assert.equal(checkNonce(b64(90)), b64(90));
  });
  for (const bad of ['A'.repeat(43), 'A'.repeat(129), `${'A'.repeat(43)}!`, `${'A'.repeat(40)} AAAA`, `${'A'.repeat(41)}===`,
    `${'A'.repeat(20)}=${'A'.repeat(23)}`, 'é'.repeat(50), '']) {
    test(`refuses ${JSON.stringify(bad).slice(0, 50)}`, () => refused(() => checkNonce(bad), 'INVALID_NONCE'));
  }
  test('refuses non-strings', () => {
    for (const v of [undefined, null, 12345, { nonce: 'x' }]) refused(() => checkNonce(v), 'INVALID_NONCE');
  });
});
