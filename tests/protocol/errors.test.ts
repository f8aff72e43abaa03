// The closed list of error codes: every code speaks both languages, fills its parameters, agrees its counts,
// and crosses process boundaries as data without losing what it is.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  because, bodyForPeople, bodyMessage, CpxError, ERROR_CODES, ERRORS, ExitClass, errorMessage, isErrorCode, isLang, isReasonCode, isRetriable,
  LANGS, missingParams, placeholders, REASONS, reasksPin, toCpxError, type ReasonCode,
} from '../../protocol/errors.ts';

test('every code has a French and an English message, an exit class and an HTTP status', () => {
  assert.ok(ERROR_CODES.length >= 40);
  for (const code of ERROR_CODES) {
    const s = ERRORS[code];
    assert.ok(s.fr.trim().length > 0 && s.en.trim().length > 0, code);
    assert.notEqual(s.fr, s.en, `${code} is not translated`);
    assert.ok(s.exit in ExitClass, code);
    assert.ok(s.http >= 400 && s.http < 600, code);
    // Both languages take the same parameters, so no caller can fill one and forget the other.
    assert.deepEqual(placeholders(s.fr).sort(), placeholders(s.en).sort(), code);
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

test('one retry rule: a request fixed by changing what was sent is not offered again as it was', () => {
  // The form errors of Première connexion are fixed on the form; "Réessayer" would send the same wrong thing.
  for (const code of ['CREDENTIALS_INVALID', 'PROFILE_INVALID', 'ACCOUNT_EXISTS', 'TICKET_INVALID'] as const) {
    assert.equal(isRetriable({ code }), false, code);
    assert.equal(new CpxError(code).toBody().retriable, false, code);
  }
  for (const code of ['NO_CARD', 'SERVICE_UNREACHABLE', 'CARD_REMOVED', 'NONCE_EXPIRED'] as const) assert.equal(isRetriable({ code }), true, code);
  // The table decides for our codes, whatever a body claims; a newer peer's code keeps what its sender said.
  assert.equal(isRetriable({ code: 'CREDENTIALS_INVALID', retriable: true }), false);
  assert.equal(isRetriable({ code: 'SOMETHING_NEW' as never, retriable: true }), true);
  assert.equal(isRetriable({ code: 'SOMETHING_NEW' as never }), false);
});

test('the PIN is asked again exactly after a refusal that left the card usable', () => {
  const reasking = ERROR_CODES.filter(reasksPin).sort();
  assert.deepEqual(reasking, ['PINPAD_TIMEOUT', 'PIN_FINAL_TRY', 'PIN_INCORRECT']);
  // Re-asking is a kind of retrying: nothing re-asks what may not be tried again.
  for (const code of reasking) assert.equal(ERRORS[code].retriable, true, code);
  assert.equal(reasksPin('PIN_LOCKED'), false);
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

test('every reason speaks both languages with the same placeholders, none of them a count or a detail', () => {
  for (const [reason, words] of Object.entries(REASONS)) {
    assert.ok(words.fr.trim() && words.en.trim(), reason);
    assert.notEqual(words.fr, words.en, `${reason} is not translated`);
    assert.deepEqual(placeholders(words.fr).sort(), placeholders(words.en).sort(), reason);
    assert.ok(!placeholders(words.fr).includes('detail') && !placeholders(words.fr).includes('reason'), reason);
  }
  assert.equal(isReasonCode('ISSUER_UNKNOWN'), true);
  assert.equal(isReasonCode('hasOwnProperty'), false);
});

test('a reason fills the detail in the message language, its own placeholders from the same params', () => {
  const params = because('CRL_EXPIRED', { date: '2026-01-31', where: 'http://crl.example/ca.crl' });
  assert.equal(errorMessage('REVOCATION_UNAVAILABLE', 'fr', params),
    "L'état de révocation du certificat n'a pas pu être vérifié (LCR périmée depuis le 2026-01-31 : http://crl.example/ca.crl).");
  assert.equal(errorMessage('REVOCATION_UNAVAILABLE', 'en', params),
    'The certificate’s revocation status could not be checked (CRL out of date since 2026-01-31: http://crl.example/ca.crl).');
  // An optional part of a reason left out leaves no empty parentheses.
  assert.equal(errorMessage('REVOCATION_UNAVAILABLE', 'en', because('CRL_UNREACHABLE', { where: 'http://x' })),
    'The certificate’s revocation status could not be checked (CRL unreachable: http://x).');
  // A plain detail still works; an unknown reason is not words.
  assert.match(errorMessage('TOKEN_ALGORITHM_UNSUPPORTED', 'en', { detail: 'HS256' }), /\(HS256\)/);
  assert.doesNotMatch(errorMessage('CERT_UNTRUSTED', 'en', { reason: 'NOT_A_REASON' }), /NOT_A_REASON/);
  // The reason travels with the body, so the other side renders it in its own language.
  const body = JSON.parse(JSON.stringify(new CpxError('CERT_UNTRUSTED', because('ISSUER_UNKNOWN', { issuer: 'CN=X' })).toBody('fr')));
  assert.equal(bodyMessage(body, 'en'), 'The certificate was not issued by a trusted authority (IGC-Santé) (unknown issuer: CN=X).');
});

test('the placeholders of a message are found with their plural form too', () => {
  assert.deepEqual(placeholders(ERRORS.PIN_INCORRECT.fr), ['triesLeft']);
  assert.deepEqual(placeholders('{{a}} and {{n|one|other}}'), ['a', 'n']);
  assert.deepEqual(missingParams('PIN_INCORRECT', 'en', {}), ['triesLeft']);
  assert.deepEqual(missingParams('PIN_INCORRECT', 'en', { triesLeft: 2 }), []);
  const reason: ReasonCode = 'PATH_TOO_LONG';
  assert.deepEqual(missingParams('CERT_UNTRUSTED', 'fr', because(reason, { ca: 'X' })), ['pathLen']);
});

test('a body is rendered again in another language only when it carries what its message needs', () => {
  const full = { code: 'PIN_INCORRECT' as const, message: 'Code porteur incorrect. Il vous reste 2 essais avant le blocage de la carte.', params: { triesLeft: 2 } };
  assert.equal(bodyMessage(full, 'en'), 'Incorrect PIN. 2 attempts left before the card is blocked.');
  // Without its count, the host's own sentence is better than "? attempts".
  const bare = { code: 'PIN_INCORRECT' as const, message: 'Code porteur incorrect (2 essais).' };
  assert.equal(bodyMessage(bare, 'en'), bare.message);
  // A code this side does not know keeps the sender's message.
  assert.equal(bodyMessage({ code: 'NEWER_CODE' as never, message: 'from a newer peer' }, 'fr'), 'from a newer peer');
  assert.equal(bodyMessage({ code: 'NO_CARD', message: '' }, 'en'), errorMessage('NO_CARD', 'en'));
});

describe('messages for people: the technical detail apart', () => {
  test('a host and its socket error, a certificate subject: out of the sentence, kept as the detail', () => {
    const unreachable = new CpxError('SERVICE_UNREACHABLE', { detail: '127.0.0.1:8531: ECONNREFUSED' }).toBody('fr');
    const plain = bodyForPeople(unreachable, 'fr');
    assert.equal(plain.message, 'Le service ne répond pas. Vérifiez votre connexion réseau puis réessayez.');
    assert.equal(plain.detail, '127.0.0.1:8531: ECONNREFUSED');
    const dn = 'CN=TEST CA,OU=IGC-SANTE TEST,O=ASIP-SANTE,C=FR';
    const untrusted = bodyForPeople(new CpxError('CERT_UNTRUSTED', { detail: dn }).toBody('en'), 'en');
    assert.ok(!untrusted.message.includes('CN='), untrusted.message);
    assert.equal(untrusted.detail, dn);
  });

  test("a reason's words and a sentence's own value stay in the sentence", () => {
    const withReason = new CpxError('CERT_UNTRUSTED', because('NO_TRUST_ANCHOR')).toBody('fr');
    assert.deepEqual(bodyForPeople(withReason, 'fr'), { message: withReason.message, detail: null });
    const profile = new CpxError('PROFILE_INVALID', { detail: 'email' }).toBody('fr');
    assert.deepEqual(bodyForPeople(profile, 'fr'), { message: profile.message, detail: null });
  });
});
