// One way to answer an error over HTTP, for the account service and the development bridge alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpxError, ERRORS, errorMessage } from '../../protocol/errors.ts';
import { httpErrorAnswer, langOfAcceptLanguage } from '../../protocol/http-error.ts';

test('the status is the code\'s own, the body the error in the asked language, Retry-After when the code says when', () => {
  const nf = httpErrorAnswer(new CpxError('NOT_FOUND'), 'fr');
  assert.deepEqual(nf, { status: 404, headers: {}, body: { error: { code: 'NOT_FOUND', message: errorMessage('NOT_FOUND', 'fr'), retriable: false } } });
  const down = httpErrorAnswer(new CpxError('SERVICE_UNREACHABLE', { detail: 'x' }), 'en');
  assert.equal(down.status, ERRORS.SERVICE_UNREACHABLE.http);
  assert.equal(down.body.error.message, errorMessage('SERVICE_UNREACHABLE', 'en', { detail: 'x' }));
  const limited = httpErrorAnswer(new CpxError('RATE_LIMITED', { retryAfter: 30 }), 'fr');
  assert.deepEqual([limited.status, limited.headers], [429, { 'retry-after': '30' }]);
  const form = httpErrorAnswer(new CpxError('PROFILE_INVALID', { detail: 'Ville' }), 'fr', { fields: { city: 'required' } });
  assert.deepEqual(form.body.error.fields, { city: 'required' });
});

test('English only when the client asks for it first', () => {
  assert.equal(langOfAcceptLanguage('en-GB,en;q=0.9'), 'en');
  assert.equal(langOfAcceptLanguage('fr-FR,en;q=0.5'), 'fr');
  assert.equal(langOfAcceptLanguage(undefined), 'fr');
});
