// The main window's decisions on what the host answered (renderer/src/state/outcomes.ts), as the user meets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpxError, type ErrorCode } from '../../../protocol/errors.ts';
import type { BrowserLoginState } from '../../../protocol/ipc.ts';
import { browserLoginRoute, cardFailure, firstLoginFailure } from '../../../renderer/src/state/outcomes.ts';

const body = (code: ErrorCode) => new CpxError(code).toBody('fr');

test('a cancelled card operation is a quiet note at home; "Réessayer" only where sending it again may work', () => {
  assert.deepEqual(cardFailure(body('CANCELLED')), { show: 'home-notice' });
  assert.deepEqual(cardFailure(body('NO_CARD')), { show: 'error', retry: true });
  assert.deepEqual(cardFailure(body('SERVICE_UNREACHABLE')), { show: 'error', retry: true });
  for (const code of ['PIN_LOCKED', 'CARD_ALREADY_LINKED', 'CREDENTIALS_INVALID', 'PROFILE_INVALID', 'ACCOUNT_EXISTS', 'TICKET_INVALID'] as const) {
    assert.deepEqual(cardFailure(body(code)), { show: 'error', retry: false }, code);
  }
  // The host's word on a code this build knows does not override the table.
  assert.deepEqual(cardFailure({ ...body('CREDENTIALS_INVALID'), retriable: true }), { show: 'error', retry: false });
});

test('Première connexion: a stale ticket ends it; the rest is fixed on the form, a wrong password emptied', () => {
  assert.deepEqual(firstLoginFailure(body('TICKET_INVALID')), { show: 'error' });
  assert.deepEqual(firstLoginFailure(body('CREDENTIALS_INVALID')), { show: 'form', clearPassword: true });
  assert.deepEqual(firstLoginFailure(body('ACCOUNT_INACTIVE')), { show: 'form', clearPassword: false });
  assert.deepEqual(firstLoginFailure(body('PROFILE_INVALID')), { show: 'form', clearPassword: false });
});

test('a browser login report: ignored when the user left it or is sending its first login, else where it stands', () => {
  const state = (over: Partial<BrowserLoginState>): BrowserLoginState =>
    ({ id: 5, requester: { name: 'Service', origin: 'https://s.example' }, status: 'running', ...over }) as BrowserLoginState;
  const ctx = { quietUpTo: 0, sending: false, showingBrowserDone: false, working: false };
  assert.equal(browserLoginRoute(state({}), ctx), 'browser-screen');
  assert.equal(browserLoginRoute(state({}), { ...ctx, quietUpTo: 5 }), 'ignore', 'left with "Retour"');
  assert.equal(browserLoginRoute(state({ id: 6 }), { ...ctx, quietUpTo: 5 }), 'browser-screen', 'a newer one is news');
  assert.equal(browserLoginRoute(state({}), { ...ctx, sending: true }), 'ignore');
  assert.equal(browserLoginRoute(state({ status: 'done' }), { ...ctx, showingBrowserDone: true }), 'ignore');
  assert.equal(browserLoginRoute(state({ status: 'done' }), ctx), 'browser-screen');
  const firstLogin = { holder: {}, ticketExpiresAt: '' } as unknown as BrowserLoginState['firstLogin'];
  assert.equal(browserLoginRoute(state({ status: 'first-login', firstLogin }), ctx), 'first-login');
  assert.equal(browserLoginRoute(state({ status: 'failed' }), ctx), 'browser-screen');
  assert.equal(browserLoginRoute(state({ status: 'failed' }), { ...ctx, working: true }), 'busy-notice', 'this window\'s operation stays');
  assert.equal(browserLoginRoute(state({ status: 'running' }), { ...ctx, working: true }), 'browser-screen');
});
