// One rule for e-mail addresses and French phone numbers, and the links the UI makes of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEmailAddress, isFrenchMobile, isFrenchPhone, mailtoHref, normaliseFrenchPhone, telHref } from '../../protocol/contact.ts';

test('an e-mail address alone is one; a name, a second address or a phone number beside it is not', () => {
  assert.ok(isEmailAddress('support-na@example.org'));
  for (const v of ['infos@viaja.com 0805 690 656', 'Support <support@example.org>', 'a@b.org, c@d.org', 'support@', 'support.example.org']) {
    assert.equal(isEmailAddress(v), false, v);
  }
  assert.equal(mailtoHref('support-na@example.org'), 'mailto:support-na@example.org');
});

test('French numbers however written; tel: links in the RFC 3966 global form', () => {
  for (const v of ['0805 690 656', '02 40 69 10 79', '02.40.69.10.79', '+33 2 40 69 10 79', '0240691079']) assert.ok(isFrenchPhone(v), v);
  for (const v of ['0805 690 65', '00 40 69 10 79', 'infos@viaja.com 0805 690 656', '0805 690 656 (gratuit)']) assert.equal(isFrenchPhone(v), false, v);
  assert.ok(isFrenchMobile('06 12 34 56 78'));
  assert.equal(isFrenchMobile('02 40 69 10 79'), false);
  assert.equal(normaliseFrenchPhone('+33 6 12 34 56 78'), '0612345678');
  assert.equal(telHref('0805 690 656'), 'tel:+33805690656');
  assert.equal(telHref('+33 2 40 69 10 79'), 'tel:+33240691079');
});
