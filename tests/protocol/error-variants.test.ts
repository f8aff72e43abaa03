// One code, a more specific sentence: a variant is chosen by the `variant` param, speaks both languages with the
// same parameters, and an unknown or inherited variant name falls back to the code's own message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, ERRORS, errorMessage } from '../../protocol/errors.ts';

test('every variant is translated and takes the same parameters in French and English', () => {
  const names = (t: string) => [...t.matchAll(/\{\{(\w+)/g)].map((m) => m[1]).sort();
  let seen = 0;
  for (const code of ERROR_CODES) {
    for (const [name, v] of Object.entries(ERRORS[code].variants ?? {})) {
      seen++;
      assert.ok(v.fr.trim() && v.en.trim() && v.fr !== v.en, `${code}/${name}`);
      assert.deepEqual(names(v.fr), names(v.en), `${code}/${name}`);
    }
  }
  assert.ok(seen >= 3, 'the module codes have their "configured" variant');
});

test('the variant param picks the sentence; anything else keeps the code’s own message', () => {
  const params = { variant: 'configured', setting: 'CPX_PKCS11_MODULE', path: '/opt/x.so' };
  assert.equal(errorMessage('MODULE_NOT_FOUND', 'en', params),
    'The configured PKCS#11 module (CPX_PKCS11_MODULE = /opt/x.so) was not found: there is no file at that location. Correct the setting or install the module there; CPx Link does not use another module instead.');
  assert.equal(errorMessage('MODULE_NOT_FOUND', 'fr', { variant: 'toString' }), errorMessage('MODULE_NOT_FOUND', 'fr'));
  assert.equal(errorMessage('NO_CARD', 'fr', { variant: 'configured' }), errorMessage('NO_CARD', 'fr'));
  assert.match(errorMessage('MODULE_NOT_FOUND', 'fr'), /Cryptolib CPS/);
});
