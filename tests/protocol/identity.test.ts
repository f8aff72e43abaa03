// The one identity parser, on certificates shaped like real CPx ones (domain.md) and on garbage.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  KU as KU_BITS, certificateRole, decodeCertificate, formatNationalId, nationalIdLabel, parseCertificate,
  parseNationalId, tryParseNationalId,
} from '../../protocol/identity.ts';
import { CpxError } from '../../protocol/errors.ts';
import type { NationalIdType } from '../../protocol/card.ts';
import {
  EKU_CLIENT_AUTH, EKU_EMAIL, EKU_SMARTCARD_LOGON, KU, SUBJECTS, makeChain, makeKey, makeLeaf,
  type TestCa, type TestKey, type x509,
} from '../validator/pki-fixture.ts';

let ca: TestCa;
let root: TestCa;
let key: TestKey;
before(async () => {
  ({ root, intermediate: ca } = await makeChain());
  key = await makeKey('rsa2048');
});

const leaf = (subject: x509.JsonNameParams | string, o: Omit<Parameters<typeof makeLeaf>[1], 'subject' | 'key'> = {}) =>
  makeLeaf(ca, { subject, key, ...o });

function assertCpxError(fn: () => unknown, codes: string[]) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CpxError, `not a CpxError: ${String(err)}`);
    assert.ok(codes.includes(err.code), `unexpected code ${err.code}`);
    return;
  }
  assert.fail('no error thrown');
}

describe('real subject shapes from domain.md', () => {
  test('CPS médecin: multi-valued CN+SN+GN RDN, title, RPPS', async () => {
    const p = parseCertificate((await leaf(SUBJECTS.medecin, { cardType: 0 })).der);
    assert.equal(p.subject, 'CN=810002813839+SN=DONNAT-GADY+GN=ISABELLE, title=Médecin, C=FR');
    assert.equal(p.role, 'authentication');
    assert.deepEqual(p.holder, {
      surname: 'DONNAT-GADY', givenName: 'ISABELLE', profession: 'Médecin', organisation: null,
      nationalId: { raw: '810002813839', type: 'RPPS', id: '10002813839', structureId: null, internalId: null },
    });
    assert.equal(p.cardType, 'CPS');
    assert.equal(p.cardTypeInferred, false);
  });

  test('test pharmacist card: SN first inside the RDN', async () => {
    const p = parseCertificate((await leaf(SUBJECTS.pharmacien, { cardType: 0 })).der);
    assert.equal(p.subject, 'SN=PHARMACH0007512+CN=899700075122+GN=CAROLE, title=Pharmacien, C=FR');
    assert.equal(p.holder?.surname, 'PHARMACH0007512');
    assert.equal(p.holder?.givenName, 'CAROLE');
    assert.equal(p.holder?.profession, 'Pharmacien');
    assert.equal(p.holder?.nationalId.type, 'RPPS');
    assert.equal(p.holder?.nationalId.id, '99700075122');
  });

  test('CPE service card: FINESS/internal id, organisation, pseudonym, no SN/GN', async () => {
    const p = parseCertificate((await leaf(SUBJECTS.cpe, { cardType: 2 })).der);
    assert.equal(p.subject, 'CN=3760021832/000000018, pseudonym=EMPLOYE000000018, title=Carte de service santé ou social, '
      + 'OU=1760021832, O=PHARMACIE CRISTOL - LOUIN, ST=Seine-Maritime (76), C=FR');
    assert.deepEqual(p.holder, {
      surname: 'EMPLOYE000000018', givenName: '', profession: 'Carte de service santé ou social',
      organisation: 'PHARMACIE CRISTOL - LOUIN',
      nationalId: { raw: '3760021832/000000018', type: 'FINESS', id: '760021832/000000018', structureId: '760021832', internalId: '000000018' },
    });
    assert.equal(p.cardType, 'CPE');
  });

  test('UTF-8 names with accents and hyphens, and a BMPString value', async () => {
    const subject = [{ C: ['FR'] }, { '2.5.4.12': ['Chirurgien-dentiste'] },
      { CN: ['899700067897'], SN: ['DUPONT-LÉGER'], '2.5.4.42': [{ bmpString: 'HÉLÈNE-ÉLODIE' }] }] as x509.JsonNameParams;
    const p = parseCertificate((await leaf(subject)).der);
    assert.equal(p.holder?.surname, 'DUPONT-LÉGER');
    assert.equal(p.holder?.givenName, 'HÉLÈNE-ÉLODIE');
    assert.equal(p.holder?.profession, 'Chirurgien-dentiste');
    assert.equal(p.subject, 'CN=899700067897+SN=DUPONT-LÉGER+GN=HÉLÈNE-ÉLODIE, title=Chirurgien-dentiste, C=FR');
  });

  test('legacy GIP-CPS certificate: profession in OU, ADELI id', async () => {
    const subject: x509.JsonNameParams = [{ C: ['FR'] }, { O: ['GIP-CPS'] }, { OU: ['Masseur-Kinésithérapeute'] },
      { CN: ['0759912341'], SN: ['LEFEBVRE'], '2.5.4.42': ['THOMAS'] }];
    const p = parseCertificate((await leaf(subject)).der);
    assert.equal(p.holder?.profession, 'Masseur-Kinésithérapeute');
    assert.equal(p.holder?.nationalId.type, 'ADELI');
    assert.equal(p.cardType, 'CPS');
    assert.equal(p.cardTypeInferred, true);
  });

  test('DN values that need RFC 4514 escaping', async () => {
    const p = parseCertificate((await leaf([{ C: ['FR'] }, { O: ['A, B + C'] }, { CN: ['899700012349'] }])).der);
    assert.equal(p.subject, 'CN=899700012349, O=A\\, B \\+ C, C=FR');
    assert.equal(p.holder?.organisation, 'A, B + C');
  });
});

describe('role from keyUsage/EKU, never from labels', () => {
  const cases: [string, { keyUsage?: number | null; eku?: string[] | null }, string | null][] = [
    ['digitalSignature + clientAuth', { keyUsage: KU.digitalSignature }, 'authentication'],
    ['digitalSignature, no EKU', { keyUsage: KU.digitalSignature, eku: null }, 'authentication'],
    ['digitalSignature + keyEncipherment + clientAuth', { keyUsage: KU.digitalSignature | KU.keyEncipherment }, 'authentication'],
    ['nonRepudiation only', { keyUsage: KU.nonRepudiation, eku: null }, 'signature'],
    ['nonRepudiation + digitalSignature + clientAuth', { keyUsage: KU.nonRepudiation | KU.digitalSignature }, 'signature'],
    ['digitalSignature with an EKU lacking clientAuth', { keyUsage: KU.digitalSignature, eku: [EKU_EMAIL] }, null],
    ['no keyUsage', { keyUsage: null }, null],
    ['keyEncipherment only', { keyUsage: KU.keyEncipherment }, null],
  ];
  for (const [name, o, role] of cases) {
    test(name, async () => {
      assert.equal(parseCertificate((await leaf(SUBJECTS.medecin, o)).der).role, role);
    });
  }
  test('certificateRole on bare facts', () => {
    assert.equal(certificateRole({ keyUsage: KU_BITS.digitalSignature, extendedKeyUsage: [EKU_SMARTCARD_LOGON, EKU_CLIENT_AUTH] }), 'authentication');
    assert.equal(certificateRole({ keyUsage: KU_BITS.nonRepudiation, extendedKeyUsage: null }), 'signature');
  });
});

describe('card type', () => {
  for (const [code, type] of [[0, 'CPS'], [1, 'CPF'], [2, 'CPE'], [3, 'CPA']] as const) {
    test(`extension 02 01 0${code} → ${type}`, async () => {
      const p = parseCertificate((await leaf(SUBJECTS.medecin, { cardType: code })).der);
      assert.equal(p.cardType, type);
      assert.equal(p.cardTypeInferred, false);
    });
  }
  test('the LAST byte of the extension counts, whatever the wrapping', async () => {
    const p = parseCertificate((await leaf(SUBJECTS.medecin, { cardTypeRaw: new Uint8Array([0x04, 0x01, 0x03]) })).der);
    assert.equal(p.cardType, 'CPA');
  });
  test('an out-of-range value falls back to inference', async () => {
    const p = parseCertificate((await leaf(SUBJECTS.medecin, { cardTypeRaw: new Uint8Array([0x02, 0x01, 0x09]) })).der);
    assert.equal(p.cardType, 'CPS');
    assert.equal(p.cardTypeInferred, true);
  });
  const inferred: [string, string][] = [
    ['899700012349', 'CPS'], ['0759912341', 'CPS'], ['3330999996/CPET00001', 'CPE'], ['599999999800019/CPAT00042', 'CPA'],
    ['4999999998/X1', 'CPE'], ['1759912341/A', 'CPE'], ['699700012349/B2', 'CPE'],
  ];
  for (const [cn, type] of inferred) {
    test(`no extension: ${cn} → ${type}, marked inferred`, async () => {
      const p = parseCertificate((await leaf([{ C: ['FR'] }, { CN: [cn] }])).der);
      assert.equal(p.cardType, type);
      assert.equal(p.cardTypeInferred, true);
    });
  }
});

describe('national identifier', () => {
  const table: [string, NationalIdType, string | null, string | null][] = [
    ['00B9131182', 'ADELI', null, null],
    ['1759912341/CAB01', 'ADELI_CABINET', '759912341', 'CAB01'],
    ['30B0238838/CPET00001', 'FINESS', '0B0238838', 'CPET00001'],
    ['4999999998/X1', 'SIREN', '999999998', 'X1'],
    ['599999999800019/CPAT00042', 'SIRET', '99999999800019', 'CPAT00042'],
    ['699700012349/B2', 'RPPS_CABINET', '99700012349', 'B2'],
    ['810002813839', 'RPPS', null, null],
  ];
  for (const [raw, type, structureId, internalId] of table) {
    test(`${raw} → ${type}`, () => {
      const n = parseNationalId(raw);
      assert.deepEqual(n, { raw, type, id: raw.slice(1), structureId, internalId });
    });
  }
  for (const bad of ['', '2123456789', '7123', '9997000', '8', '81234/56', '3/ABC', 'ABC', '8 12345', '3760021832/', '31/2/3']) {
    test(`refused: ${JSON.stringify(bad)}`, () => {
      assert.equal(tryParseNationalId(bad), null);
      assertCpxError(() => parseNationalId(bad), ['CARD_NOT_RECOGNISED']);
    });
  }
  test('labels as the account page shows them', () => {
    assert.equal(nationalIdLabel('FINESS'), 'FINESS/identifiant interne');
    assert.equal(nationalIdLabel('SIRET'), 'SIRET/identifiant interne');
    assert.equal(nationalIdLabel('SIREN'), 'SIREN/identifiant interne');
    assert.equal(nationalIdLabel('ADELI'), 'ADELI');
    assert.equal(nationalIdLabel('ADELI_CABINET'), 'ADELI cabinet/identifiant interne');
    assert.equal(nationalIdLabel('RPPS'), 'RPPS');
    assert.equal(nationalIdLabel('RPPS_CABINET'), 'RPPS cabinet/identifiant interne');
    assert.equal(formatNationalId(parseNationalId('30B0238838/CPET00001')), 'FINESS/identifiant interne: 30B0238838/CPET00001');
    assert.equal(formatNationalId(parseNationalId('00B9131182')), 'ADELI: 00B9131182');
  });
});

describe('dates, serial, fingerprint', () => {
  test('daysLeft counts whole days from the given time, negative once expired', async () => {
    const notAfter = new Date('2027-03-10T12:00:00Z');
    const c = await leaf(SUBJECTS.medecin, { notBefore: new Date('2024-03-10T12:00:00Z'), notAfter, serial: '00c0ffee01' });
    const p = parseCertificate(c.der, new Date('2027-03-01T13:00:00Z'));
    assert.equal(p.notAfter, '2027-03-10T12:00:00.000Z');
    assert.equal(p.notBefore, '2024-03-10T12:00:00.000Z');
    assert.equal(p.daysLeft, 8);
    assert.equal(parseCertificate(c.der, new Date('2027-03-10T11:00:00Z')).daysLeft, 0);
    assert.equal(parseCertificate(c.der, new Date('2027-03-11T12:00:01Z')).daysLeft, -2);
    assert.equal(p.serialNumber, 'c0ffee01');
    assert.equal(p.fingerprint, createHash('sha256').update(c.der).digest('hex'));
  });
});

describe('non-CPx and garbage input', () => {
  test('a CA certificate parses with no holder, no role, no card type', () => {
    const p = parseCertificate(root.der);
    assert.equal(p.holder, null);
    assert.equal(p.role, null);
    assert.equal(p.cardType, null);
    assert.equal(p.subject, 'CN=AC RACINE CPX TEST, OU=IGC-SANTE-TEST, O=CPX-TEST, C=FR');
    assert.deepEqual(decodeCertificate(root.der).basicConstraints, { ca: true, pathLen: null });
    assert.deepEqual(decodeCertificate(ca.der).basicConstraints, { ca: true, pathLen: 0 });
  });

  test('a CN that is a name, not an idNat, gives no holder', async () => {
    assert.equal(parseCertificate((await leaf('CN=Jean Dupont, C=FR')).der).holder, null);
  });

  test('garbage is CERT_MALFORMED, never a raw exception', () => {
    const inputs: unknown[] = [new Uint8Array(0), new Uint8Array([0x30]), new Uint8Array([0x30, 0x82, 0xff, 0xff]),
      new TextEncoder().encode('-----BEGIN CERTIFICATE-----'), new Uint8Array(300).fill(0x30), ca.der.subarray(0, 200),
      new Uint8Array([...ca.der, 0x00]),
      'not bytes', null];
    for (const input of inputs) assertCpxError(() => parseCertificate(input as Uint8Array), ['CERT_MALFORMED']);
  });

  test('1,000 random mutations of a real certificate: a result or a CpxError, nothing else', async () => {
    const der = (await leaf(SUBJECTS.cpe, { cardType: 2, policies: ['1.2.250.1.71.1.1.99.1'], crlUrls: ['http://x.invalid/a.crl'] })).der;
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 1000; i++) {
      const m = der.slice();
      for (let k = 1 + rnd(4); k > 0; k--) m[rnd(m.length)] = rnd(256);
      const cut = rnd(10) === 0 ? m.subarray(0, rnd(m.length)) : m;
      try {
        parseCertificate(cut);
      } catch (err) {
        assert.ok(err instanceof CpxError, `mutation ${i}: ${String(err)}`);
      }
    }
  });
});
