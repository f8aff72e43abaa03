// The pages the UI asks the host to open must be ones the host agrees to open: a link the host refuses is a dead
// button in front of a user who needs help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILT_IN_HELP_ORIGINS } from '../../../protocol/help-links.ts';
import { CRYPTOLIB_HELP_URL } from '../../../renderer/src/lib/links.ts';

test('the Cryptolib help page is https, on an origin the host opens without any setting', () => {
  const url = new URL(CRYPTOLIB_HELP_URL);
  assert.equal(url.protocol, 'https:');
  assert.equal(url.username + url.password, '');
  assert.ok(BUILT_IN_HELP_ORIGINS.includes(url.origin), `${url.origin} is not among the host's built-in help origins`);
});
