// Every simulated card profile, read without PIN through the card service process, says what its certificates say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NationalIdType } from '../../protocol/card.ts';
import { PROFILE_NAMES, getProfile, tokenLabel } from '../../native/sim/profiles.ts';
import { withTimeout, useSimulatedService } from './harness.ts';

const fx = useSimulatedService({});

const ID_TYPES: Record<string, NationalIdType> = { 0: 'ADELI', 1: 'ADELI_CABINET', 3: 'FINESS', 4: 'SIREN', 5: 'SIRET', 6: 'RPPS_CABINET', 8: 'RPPS' };

for (const name of PROFILE_NAMES) {
  test(`profile ${name}`, async () => {
    const p = getProfile(name);
    fx.sim.remove(0);
    await fx.sim.insert(name, 0);
    const cards = await withTimeout(fx.svc.client.request('cards', {}), 10_000, 'cards');
    assert.equal(cards.length, 1);
    const card = cards[0]!;
    assert.equal(card.label, tokenLabel(p));
    assert.equal(card.cardNumber, p.cardNumber);
    assert.equal(card.cardType, p.cardType);
    assert.equal(card.readerIndex, 0);
    assert.match(card.reader, /Simulated Reader/);
    assert.deepEqual(card.pin, { triesLeft: 3, locked: false, pinpad: false });
    const roles = card.certificates.map((c) => c.role).sort();
    assert.deepEqual(roles, [...(p.authentication ? ['authentication'] : []), ...(p.signature ? ['signature'] : [])].sort());
    if (!p.authentication) {
      assert.equal(card.holder, null, 'the holder comes from the authentication certificate only');
      return;
    }
    const h = card.holder!;
    assert.equal(h.nationalId.raw, p.nationalId);
    assert.equal(h.nationalId.type, ID_TYPES[p.nationalId[0]!]);
    assert.equal(h.surname, p.surname ?? p.pseudonym);
    assert.equal(h.givenName, p.givenName ?? '');
    assert.equal(h.profession, p.profession);
    if (p.nationalId.includes('/')) {
      const [structure, internal] = p.nationalId.slice(1).split('/');
      assert.equal(h.nationalId.structureId, structure);
      assert.equal(h.nationalId.internalId, internal);
    }
    if (p.organisation) assert.equal(h.organisation, p.organisation.name);
    const auth = card.certificates.find((c) => c.role === 'authentication')!;
    assert.match(auth.subject, new RegExp(p.nationalId.replace('/', '\\/')));
    assert.match(auth.issuer, /IGC-SANTE/);
    assert.ok(Date.parse(auth.notBefore) < Date.parse(auth.notAfter));
    if (p.validity === 'expired') assert.ok(auth.daysLeft < 0, `expired: daysLeft ${auth.daysLeft}`);
    else if (p.validity === 'expiring') assert.ok(auth.daysLeft >= 0 && auth.daysLeft <= 30, `expiring: daysLeft ${auth.daysLeft}`);
    else assert.ok(auth.daysLeft > 30, `valid: daysLeft ${auth.daysLeft}`);
    assert.equal(card.cardTypeInferred, false, 'the test certificates carry the card-type extension');
  });
}
