// The closed list of error codes: every code speaks both languages, fills its parameters, agrees its counts,
// and crosses process boundaries as data without losing what it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpxError, ERROR_CODES, ERRORS, ExitClass, errorMessage, isErrorCode, isLang, LANGS, toCpxError } from '../../protocol/errors.ts';

test('every code has a French and an English message, an exit class and an HTTP status', () => {
  assert.ok(ERROR_CODES.length >= 40);
  for (const code of ERROR_CODES) {
    const s = ERRORS[code];
    assert.ok(s.fr.trim().length > 0 && s.en.trim().length > 0, code);
    assert.notEqual(s.fr, s.en, `${code} is not translated`);
    assert.ok(s.exit in ExitClass, code);
    assert.ok(s.http >= 400 && s.http < 600, code);
    // Both languages take the same parameters, so no caller can fill one and forget the other.
    const names = (t: string) => [...t.matchAll(/\{\{(\w+)/g)].map((m) => m[1]).sort();
    assert.deepEqual(names(s.fr), names(s.en), code);
  }
});

test('the codes the issues name are all there', () => {
  for (const code of ['MODULE_NOT_FOUND', 'MODULE_LOAD_FAILED', 'MODULE_WRONG_ARCH', 'NO_READER', 'NO_CARD', 'CARD_REMOVED',
    'CARD_NOT_RECOGNISED', 'NO_AUTH_CERTIFICATE', 'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'PIN_INCORRECT', 'PIN_LOCKED',
    'PIN_FORMAT', 'CANCELLED', 'DEVICE_ERROR', 'SERVICE_CRASHED', 'INVALID_ORIGIN', 'INVALID_NONCE',
    'TOKEN_SIGNATURE_INVALID', 'CERT_UNTRUSTED', 'CERT_REVOKED', 'NONCE_EXPIRED', 'NONCE_UNKNOWN']) {
    assert.ok(isErrorCode(code), code);
  }
  assert.equal(isErrorCode('toString'), false, 'inherited names are not codes');
});

test('counts agree with the language: 1 essai, 2 essais, 0 essai; 1 attempt, 0 attempts', () => {
  assert.match(errorMessage('PIN_INCORRECT', 'fr', { triesLeft: 2 }), /Il vous reste 2 essais avant/);
  assert.match(errorMessage('PIN_INCORRECT', 'fr', { triesLeft: 1 }), /Il vous reste 1 essai avant/);
  assert.match(errorMessage('PIN_INCORRECT', 'en', { triesLeft: 1 }), /1 attempt left/);
  assert.match(errorMessage('PIN_INCORRECT', 'en', { triesLeft: 0 }), /0 attempts left/);
});

test('a missing detail leaves no empty parentheses; a given one is shown', () => {
  assert.equal(errorMessage('DEVICE_ERROR', 'fr').includes('()'), false);
  assert.equal(errorMessage('DEVICE_ERROR', 'fr').includes('(?)'), false);
  assert.match(errorMessage('DEVICE_ERROR', 'en', { detail: 'CKR_DEVICE_ERROR' }), /\(CKR_DEVICE_ERROR\)/);
});

test('an error crosses a process boundary as a body and comes back the same', () => {
  const e = new CpxError('PIN_INCORRECT', { triesLeft: 2 });
  const body = JSON.parse(JSON.stringify(e.toBody('fr')));
  assert.deepEqual(body, { code: 'PIN_INCORRECT', message: errorMessage('PIN_INCORRECT', 'fr', { triesLeft: 2 }), retriable: true, params: { triesLeft: 2 } });
  const back = CpxError.fromBody(body);
  assert.equal(back.code, 'PIN_INCORRECT');
  assert.deepEqual(back.params, { triesLeft: 2 });
  // An unknown code from a newer peer is not trusted as one of ours.
  const odd = CpxError.fromBody({ code: 'SOMETHING_NEW' });
  assert.equal(odd.code, 'INTERNAL_ERROR');
  assert.match(odd.params.detail as string, /SOMETHING_NEW/);
});

test('anything thrown becomes a CpxError; a CpxError stays itself', () => {
  const e = new CpxError('NO_CARD');
  assert.equal(toCpxError(e), e);
  const wrapped = toCpxError(new TypeError('boom'));
  assert.equal(wrapped.code, 'INTERNAL_ERROR');
  assert.equal(wrapped.params.detail, 'boom');
});

test('the languages: French first (the default), then English; nothing else is one', () => {
  assert.deepEqual([...LANGS], ['fr', 'en']);
  for (const l of LANGS) assert.equal(isLang(l), true);
  for (const other of ['de', 'FR', '', null, 'toString']) assert.equal(isLang(other), false, String(other));
});
