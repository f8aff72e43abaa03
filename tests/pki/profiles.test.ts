// The card profiles: the names the contract promises, coherent identifiers, stable card numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_COMPANY, DEMO_ESTABLISHMENT, PROFILE_NAMES, PROFILES, getProfile, tokenLabel } from '../../native/sim/profiles.ts';

/** Luhn key, as RPPS, FINESS, SIREN and SIRET numbers carry. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return /^\d+$/.test(digits) && sum % 10 === 0;
}

test('every profile the contract lists exists, plus the UI/validator extras', () => {
  for (const p of ['cps-medecin', 'cps-pharmacien', 'cps-adeli', 'cpe', 'cpa', 'cpf', 'expired', 'revoked', 'sign-only',
    'cps4', 'cps-accents', 'cps-expiring', 'cps-infirmier']) {
    assert.ok(PROFILE_NAMES.includes(p), p);
  }
});

test('card numbers are 10 digits and unique; labels are CPS3v3-<card number>, CPS4v1-<card number> for the CPS4', () => {
  const numbers = PROFILE_NAMES.map((n) => PROFILES[n]!.cardNumber);
  for (const n of numbers) assert.match(n, /^\d{10}$/);
  assert.equal(new Set(numbers).size, numbers.length);
  assert.equal(tokenLabel(PROFILES['cps-medecin']!), `CPS3v3-${PROFILES['cps-medecin']!.cardNumber}`);
  assert.equal(tokenLabel(PROFILES.cps4!), `CPS4v1-${PROFILES.cps4!.cardNumber}`);
  assert.deepEqual(PROFILE_NAMES.filter((n) => PROFILES[n]!.generation === 'CPS4'), ['cps4']);
});

test('national identifiers follow the domain prefixes and keys', () => {
  const ids = new Set<string>();
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name]!;
    ids.add(p.nationalId);
    const prefix = p.nationalId[0];
    if (p.cardType === 'CPE') {
      assert.equal(prefix, '3');
      const [finess, internal] = p.nationalId.slice(1).split('/');
      assert.equal(finess?.length, 9);
      assert.ok(luhnValid(finess!));
      assert.ok(internal);
      assert.equal(p.organisation?.structureId, finess);
    } else if (p.cardType === 'CPA') {
      assert.equal(prefix, '5');
      const [siret, internal] = p.nationalId.slice(1).split('/');
      assert.equal(siret?.length, 14);
      assert.ok(luhnValid(siret!) && luhnValid(siret!.slice(0, 9)), 'SIRET and its SIREN are Luhn-valid');
      assert.ok(internal);
    } else if (name === 'cps-adeli') {
      assert.equal(prefix, '0');
      assert.equal(p.nationalId.length, 10);
      assert.equal(p.professionIn, 'OU');
    } else {
      assert.equal(prefix, '8');
      assert.match(p.nationalId, /^8997\d{8}$/, 'test RPPS range, 12 characters');
      assert.ok(luhnValid(p.nationalId.slice(1)), `${name}: RPPS key`);
    }
  }
  assert.equal(ids.size, PROFILE_NAMES.length, 'one person per profile');
});

test('card types and special profiles', () => {
  assert.equal(getProfile('cpf').cardType, 'CPF');
  assert.equal(getProfile('cpe').cardType, 'CPE');
  assert.equal(getProfile('cpa').cardType, 'CPA');
  assert.equal(getProfile('cps-medecin').cardType, 'CPS');
  assert.equal(getProfile('cps-medecin').profession, 'Médecin');
  assert.equal(getProfile('cps-pharmacien').profession, 'Pharmacien');
  assert.notEqual(getProfile('cps-infirmier').profession, 'Médecin');
  assert.equal(getProfile('sign-only').authentication, false);
  assert.equal(getProfile('revoked').revoked, true);
  assert.equal(getProfile('expired').validity, 'expired');
  assert.equal(getProfile('cps-expiring').validity, 'expiring');
  assert.match(getProfile('cps-accents').surname!, /[^\x00-\x7f]/);
  assert.match(getProfile('cps-accents').givenName!, /-/);
});

test('the cpe establishment is exported for the account service seed', () => {
  const cpe = getProfile('cpe');
  assert.equal(cpe.nationalId, `3${DEMO_ESTABLISHMENT.finess}/${DEMO_ESTABLISHMENT.internalId}`);
  assert.equal(DEMO_ESTABLISHMENT.nationalId, cpe.nationalId);
  assert.equal(cpe.organisation?.name, DEMO_ESTABLISHMENT.name);
  assert.equal(getProfile('cpa').nationalId, `5${DEMO_COMPANY.siret}/${DEMO_COMPANY.internalId}`);
});

test('an unknown profile is refused and the message lists the valid ones', () => {
  assert.throws(() => getProfile('toString'), (e: Error) => PROFILE_NAMES.every((n) => e.message.includes(n)));
});
