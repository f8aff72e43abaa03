// The identity parser on every simulated card profile's certificates (the test PKI of native/sim/pki).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensurePki, type TestPki } from '../../native/sim/pki/index.ts';
import { PROFILE_NAMES, getProfile } from '../../native/sim/profiles.ts';
import { parseCertificate } from '../../protocol/identity.ts';

let pki: TestPki;
before(async () => { pki = await ensurePki(); });

for (const name of PROFILE_NAMES) {
  test(`profile ${name}: role, holder and card type as the profile says`, () => {
    const profile = getProfile(name);
    const { authentication, signature } = pki.card(name);
    assert.equal(authentication !== null, profile.authentication);
    for (const [leaf, role] of [[authentication, 'authentication'], [signature, 'signature']] as const) {
      if (!leaf) continue;
      const p = parseCertificate(leaf.certificate);
      assert.equal(p.role, role, `${name} ${role}`);
      assert.equal(p.cardType, profile.cardType);
      assert.equal(p.cardTypeInferred, false);
      assert.equal(p.serialNumber, leaf.serialNumber.replace(/^(00)+(?=.)/, ''));
      assert.equal(p.notAfter, leaf.notAfter.toISOString());
      const h = p.holder!;
      assert.ok(h, `${name}: no holder`);
      assert.equal(h.nationalId.raw, profile.nationalId);
      assert.equal(h.surname, profile.surname ?? profile.pseudonym);
      assert.equal(h.givenName, profile.givenName ?? '');
      assert.equal(h.profession, profile.profession);
      assert.equal(h.organisation, profile.organisation?.name ?? null);
      if (profile.organisation) {
        assert.equal(h.nationalId.structureId, profile.organisation.structureId);
        assert.equal(`${h.nationalId.structureId}/${h.nationalId.internalId}`, profile.nationalId.slice(1));
      }
      assert.match(p.issuer, /^CN=TEST AC IGC-SANTE FORT PERSONNES, OU=IGC-SANTE, OU=0002 187512751, O=ASIP-SANTE, C=FR$/);
    }
  });
}

test('expiry as the profiles say: expired is negative, cps-expiring about ten days, others years', () => {
  const days = (n: string) => parseCertificate(pki.card(n).authentication!.certificate).daysLeft;
  assert.ok(days('expired') < 0);
  assert.ok(days('cps-expiring') >= 5 && days('cps-expiring') <= 14);
  assert.ok(days('cps-medecin') > 60);
});
