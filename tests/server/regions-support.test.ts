// "Help that reaches someone": every region of the shipped regions file has a support contact, and each e-mail,
// phone and web address in it is one value of its kind, so the UI can turn it into a mailto:, tel: or https link.
// Each has its texts in English too. A file that breaks this is refused at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEmailAddress, isFrenchPhone, mailtoHref, telHref } from '../../protocol/contact.ts';
import { regionIn } from '../../protocol/account.ts';
import { loadRegions } from '../../server/regions.ts';

test('every region has a support contact with a label and a way to reach it, each usable as a link', () => {
  const regions = loadRegions();
  assert.ok(regions.length >= 7);
  for (const r of regions) {
    const s = r.support;
    assert.ok(s && s.label.trim(), `${r.id}: support label`);
    assert.ok(s.email || s.phone || s.url, `${r.id}: an e-mail, a phone or a web address`);
    if (s.email) assert.match(mailtoHref(s.email), /^mailto:[^\s@]+@[^\s@]+$/, r.id);
    if (s.phone) assert.match(telHref(s.phone), /^tel:\+33[1-9]\d{8}$/, r.id);
    if (s.url) assert.equal(new URL(s.url).protocol, 'https:', r.id);
  }
  for (const id of ['normandie', 'auvergne-rhone-alpes']) assert.ok(regions.find((r) => r.id === id)?.support.email, id);
});

test('a region without support, or a field mixing e-mail and phone, is refused with where and what', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-regions-support-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'regions.json');
  const load = (support: unknown) => {
    writeFileSync(file, JSON.stringify([{ id: 'x', name: 'X', howToGetAccount: 'Texte', support }]));
    return () => loadRegions(file);
  };
  assert.throws(load(null), /region #1: support is required/);
  assert.throws(load({ label: 'Support', email: 'infos@viaja.com 0805 690 656' }), /support\.email must be one e-mail address/);
  assert.throws(load({ label: 'Support', phone: 'infos@viaja.com 0805 690 656' }), /support\.phone must be one French phone number/);
  assert.throws(load({ label: 'Support', url: 'http://example.org/aide' }), /support\.url must be one https:\/\/ address/);
  const ok = loadRegions((load({ label: ' Support ', email: ' support@example.org ', phone: '0805 690 656' }), file))[0]!;
  assert.deepEqual(ok.support, { label: 'Support', email: 'support@example.org', phone: '0805 690 656' });
  assert.ok(isEmailAddress(ok.support.email!) && isFrenchPhone(ok.support.phone!));
});

test('every region has its texts in English too ("Other regions"), whole, or the file is refused', (t) => {
  const regions = loadRegions();
  for (const r of regions) assert.ok(r.en, `${r.id}: English texts`);
  assert.equal(regionIn(regions.find((r) => r.id === 'autres')!, 'en').name, 'Other regions');
  assert.equal(regionIn(regions.find((r) => r.id === 'autres')!, 'fr').name, 'Autres régions');
  const na = regionIn(regions.find((r) => r.id === 'nouvelle-aquitaine')!, 'en');
  assert.equal(na.support.label, 'Nouvelle-Aquitaine support');
  assert.equal(na.support.email, 'support-na@example.org', 'contacts are the same in every language');
  const dir = mkdtempSync(join(tmpdir(), 'cpx-regions-en-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'regions.json');
  writeFileSync(file, JSON.stringify([{ id: 'x', name: 'X', howToGetAccount: 'Texte', support: { label: 'S', phone: '0805 690 656' }, en: { name: 'X' } }]));
  assert.throws(() => loadRegions(file), /region #1: en needs name, howToGetAccount and supportLabel/);
});
