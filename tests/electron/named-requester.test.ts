// Who the PIN dialog says asks: a serviceName setting or policy (or a transaction's name) first, else the name the
// service gave itself with its challenge, else nobody named (the dialog then shows the origin's host).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedRequester } from '../../electron/core/sign-with-card.ts';

const ORIGIN = 'https://orientation.sante-centre.fr';
const challenge = (name?: string) => ({ nonce: 'n', expiresAt: '2030-01-01T00:00:00Z', ...(name === undefined ? {} : { service: { name, origin: ORIGIN } }) });

test('the configured name wins over the service\'s own', () => {
  assert.deepEqual(namedRequester({ name: 'ViaTrajectoire — Centre-Val de Loire', origin: ORIGIN }, challenge('Service d\'orientation')),
    { name: 'ViaTrajectoire — Centre-Val de Loire', origin: ORIGIN });
});

test('no configured name: the service\'s own answer names it, the origin unchanged', () => {
  assert.deepEqual(namedRequester({ name: null, origin: ORIGIN }, challenge('  Service d\'orientation ')), { name: 'Service d\'orientation', origin: ORIGIN });
});

test('neither: no name (a blank one counts as none)', () => {
  assert.deepEqual(namedRequester({ name: null, origin: ORIGIN }, challenge()), { name: null, origin: ORIGIN });
  assert.deepEqual(namedRequester({ name: null, origin: ORIGIN }, challenge('   ')), { name: null, origin: ORIGIN });
});
