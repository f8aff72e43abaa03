// The generated test PKI: every card certificate chains to the TEST root and looks like a CPS certificate.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate as NodeX509, createPrivateKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name as AsnName } from '@peculiar/asn1-x509';
import { x509 } from '../../native/sim/pki/x509.ts';
import { ensurePki, trustPemPath, crlPath, type TestPki } from '../../native/sim/pki/index.ts';
import { PROFILE_NAMES, PROFILES } from '../../native/sim/profiles.ts';
import {
  CARD_TYPE_OID, CRL_URL, EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON, POLICY_AUTHENTICATION, POLICY_SIGNATURE,
} from '../../native/sim/pki/hierarchy.ts';

let pki: TestPki;
before(async () => {
  pki = await ensurePki();
});

const OID_CN = '2.5.4.3';
const OID_SN = '2.5.4.4';
const OID_GN = '2.5.4.42';
const OID_TITLE = '2.5.4.12';
const OID_OU = '2.5.4.11';

function leaves(profile: string) {
  const card = pki.card(profile);
  return [card.authentication, card.signature].filter((l) => l !== null);
}

/** Attribute types per RDN, in DER order, with each value's ASN.1 string type. */
function rdns(der: Uint8Array): { type: string; value: string; utf8: boolean }[][] {
  const cert = new x509.X509Certificate(der);
  const name = AsnConvert.parse(cert.subjectName.toArrayBuffer(), AsnName);
  return [...name].map((rdn) => [...rdn].map((atv) => ({
    type: atv.type, value: atv.value.toString(), utf8: atv.value.utf8String !== undefined,
  })));
}

describe('test PKI', () => {
  test('exports the trust PEM (root + intermediate) and a DER CRL at stable paths', () => {
    assert.equal(pki.trustPemPath, trustPemPath());
    assert.equal(pki.crlPath, crlPath());
    const pem = readFileSync(trustPemPath(), 'utf8');
    assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    const crl = new x509.X509Crl(readFileSync(crlPath()));
    assert.match(crl.issuer, /TEST AC IGC-SANTE FORT PERSONNES/);
  });

  test('the CAs are shaped like IGC-Santé and marked TEST; the intermediate has pathlen 0', () => {
    const root = new x509.X509Certificate(pki.root.certificate);
    const inter = new x509.X509Certificate(pki.intermediate.certificate);
    assert.deepEqual(root.subjectName.getField('CN'), ['TEST AC RACINE IGC-SANTE FORT']);
    assert.deepEqual(inter.subjectName.getField('CN'), ['TEST AC IGC-SANTE FORT PERSONNES']);
    for (const ca of [root, inter]) {
      assert.deepEqual(ca.subjectName.getField('OU'), ['0002 187512751', 'IGC-SANTE']);
      assert.deepEqual(ca.subjectName.getField('O'), ['ASIP-SANTE']);
      assert.deepEqual(ca.subjectName.getField('C'), ['FR']);
    }
    const bc = inter.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc?.ca);
    assert.equal(bc.pathLength, 0);
    assert.ok(bc.critical);
    assert.equal(root.subject, root.issuer);
  });

  for (const name of PROFILE_NAMES) {
    test(`${name}: certificates chain to the test root (Node crypto and @peculiar/x509)`, async () => {
      const root = new NodeX509(pki.root.certificate);
      const inter = new NodeX509(pki.intermediate.certificate);
      assert.ok(inter.checkIssued(root) && inter.verify(root.publicKey));
      const list = leaves(name);
      assert.ok(list.length > 0);
      for (const leaf of list) {
        const cert = new NodeX509(leaf.certificate);
        assert.ok(cert.checkIssued(inter), 'issuer name matches the intermediate');
        assert.ok(cert.verify(inter.publicKey), 'signed by the intermediate');
        assert.ok(!cert.verify(root.publicKey), 'not signed by the root directly');
        const builder = new x509.X509ChainBuilder({
          certificates: [new x509.X509Certificate(pki.intermediate.certificate), new x509.X509Certificate(pki.root.certificate)],
        });
        const chain = await builder.build(new x509.X509Certificate(leaf.certificate));
        assert.equal(chain.length, 3);
        assert.match(chain[2]!.subject, /TEST AC RACINE IGC-SANTE FORT/);
        assert.ok(await chain[0]!.verify({ publicKey: chain[1]!, signatureOnly: true }));
        assert.ok(await chain[1]!.verify({ publicKey: chain[2]!, signatureOnly: true }));
      }
    });

    test(`${name}: key usage, EKU, card type, CRL distribution point, policy, key ids`, () => {
      const profile = PROFILES[name]!;
      const card = pki.card(name);
      assert.equal(card.authentication !== null, profile.authentication);
      assert.equal(card.signature !== null, profile.signature);
      const inter = new x509.X509Certificate(pki.intermediate.certificate);
      const interSki = inter.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
      for (const leaf of leaves(name)) {
        const cert = new x509.X509Certificate(leaf.certificate);
        const ku = cert.getExtension(x509.KeyUsagesExtension);
        assert.ok(ku?.critical);
        const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
        const policies = [...(cert.getExtension(x509.CertificatePolicyExtension)?.policies ?? [])];
        if (leaf.role === 'authentication') {
          assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature);
          assert.deepEqual([...(eku?.usages ?? [])], [EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON]);
          assert.deepEqual(policies, [POLICY_AUTHENTICATION]);
        } else {
          assert.equal(ku.usages, x509.KeyUsageFlags.nonRepudiation);
          assert.equal(eku, null, 'a signature certificate must not be usable to authenticate');
          assert.deepEqual(policies, [POLICY_SIGNATURE]);
        }
        const cardType = cert.getExtension(CARD_TYPE_OID);
        assert.ok(cardType && !cardType.critical);
        const value = new Uint8Array(cardType.value);
        assert.equal(value.length, 3);
        assert.deepEqual([...value.subarray(0, 2)], [0x02, 0x01]);
        assert.equal(value[2], { CPS: 0, CPF: 1, CPE: 2, CPA: 3 }[profile.cardType]);
        const dp = cert.getExtension(x509.CRLDistributionPointsExtension);
        const urls = [...(dp?.distributionPoints ?? [])]
          .flatMap((p) => [...(p.distributionPoint?.fullName ?? [])].map((g) => g.uniformResourceIdentifier));
        assert.deepEqual(urls, [CRL_URL]);
        assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
        const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
        assert.equal(aki?.keyId, interSki);
        assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
        const pub = new NodeX509(leaf.certificate).publicKey;
        assert.equal(pub.asymmetricKeyDetails?.modulusLength, 2048);
      }
    });

    test(`${name}: subject in the real multi-valued RDN shape, names as UTF8String`, () => {
      const profile = PROFILES[name]!;
      for (const leaf of leaves(name)) {
        const subject = rdns(leaf.certificate);
        // DER order: C first, the multi-valued CN(+SN+GN) RDN last.
        assert.deepEqual(subject[0], [{ type: '2.5.4.6', value: 'FR', utf8: false }]);
        const last = subject.at(-1)!;
        const expectedTypes = profile.rdnOrder.filter((a) => a === 'CN' || profile.surname !== null)
          .map((a) => ({ CN: OID_CN, SN: OID_SN, GN: OID_GN })[a]);
        assert.deepEqual(last.map((a) => a.type), expectedTypes);
        assert.ok(last.every((a) => a.utf8));
        const byType = Object.fromEntries(last.map((a) => [a.type, a.value]));
        assert.equal(byType[OID_CN], profile.nationalId);
        if (profile.surname) {
          assert.equal(byType[OID_SN], profile.surname);
          assert.equal(byType[OID_GN], profile.givenName);
        }
        const flat = subject.flat();
        const professionType = profile.professionIn === 'OU' ? OID_OU : OID_TITLE;
        const profession = flat.filter((a) => a.type === professionType && a.value === profile.profession);
        assert.equal(profession.length, 1, `profession in ${profile.professionIn}`);
        if (profile.professionIn === 'OU') assert.ok(!flat.some((a) => a.type === OID_TITLE));
        if (profile.organisation) {
          const get = (t: string) => flat.filter((a) => a.type === t).map((a) => a.value);
          assert.deepEqual(get('2.5.4.10'), [profile.organisation.name]);
          assert.ok(get(OID_OU).includes(profile.organisation.structureId));
          assert.deepEqual(get('2.5.4.8'), [profile.organisation.departement]);
          assert.deepEqual(get('2.5.4.65'), [profile.pseudonym]);
        }
      }
    });
  }

  test('non-ASCII names survive the round trip as UTF-8 (Node and @peculiar/x509 read them back)', () => {
    const cert = pki.card('cps-accents').authentication!.certificate;
    const node = new NodeX509(cert);
    assert.match(node.subject, /SN=DUPONT-LÉGER/);
    assert.match(node.subject, /GN=HÉLÈNE-ÉLODIE/);
    const peculiar = new x509.X509Certificate(cert);
    assert.deepEqual(peculiar.subjectName.getField('SN'), ['DUPONT-LÉGER']);
    assert.deepEqual(peculiar.subjectName.getField(OID_GN), ['HÉLÈNE-ÉLODIE']);
    // The DER holds the UTF-8 bytes of "LÉGER" (É = C3 89), not Latin-1 or a BMPString.
    assert.ok(Buffer.from(cert).includes(Buffer.from('DUPONT-LÉGER', 'utf8')));
  });

  test('pharmacist: SN first in the RDN, as on the public test card', () => {
    const node = new NodeX509(pki.card('cps-pharmacien').authentication!.certificate);
    assert.match(node.subject, /SN=PHARMACH0007512 \+ CN=899700075122 \+ GN=CAROLE/);
  });

  test('the CRL is signed by the intermediate and lists exactly the revoked profile\'s certificates', async () => {
    const crl = new x509.X509Crl(pki.crl);
    const inter = new x509.X509Certificate(pki.intermediate.certificate);
    assert.ok(await crl.verify({ publicKey: inter }));
    assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now());
    const listed = new Set(crl.entries.map((e) => e.serialNumber.toLowerCase()));
    const revoked = leaves('revoked').map((l) => l.serialNumber);
    assert.equal(revoked.length, 2);
    for (const s of revoked) assert.ok(listed.has(s), `revoked serial ${s} listed`);
    assert.equal(listed.size, revoked.length);
    for (const name of PROFILE_NAMES.filter((n) => n !== 'revoked')) {
      for (const leaf of leaves(name)) assert.ok(!listed.has(leaf.serialNumber), `${name} not listed`);
    }
    assert.deepEqual([...pki.revokedSerials].sort(), [...revoked].sort());
  });

  test('expired is expired, cps-expiring ends in about ten days, the others are valid for long', () => {
    const now = Date.now();
    const days = (d: Date) => (d.getTime() - now) / 86_400_000;
    for (const leaf of leaves('expired')) assert.ok(days(leaf.notAfter) < 0);
    const expiring = pki.card('cps-expiring').authentication!;
    assert.ok(days(expiring.notAfter) >= 7 && days(expiring.notAfter) <= 13);
    assert.ok(days(expiring.notBefore) < 0);
    for (const name of PROFILE_NAMES.filter((n) => PROFILES[n]!.validity === 'valid')) {
      for (const leaf of leaves(name)) {
        assert.ok(days(leaf.notAfter) > 60, `${name} valid for long`);
        assert.ok(leaf.notBefore.getTime() < now);
      }
    }
  });

  test('sign-only has a signature certificate and no authentication certificate', () => {
    const card = pki.card('sign-only');
    assert.equal(card.authentication, null);
    assert.ok(card.signature);
  });

  test('each private key is the certificate\'s key (signs what the certificate verifies)', () => {
    for (const name of PROFILE_NAMES) {
      for (const leaf of leaves(name)) {
        const key = createPrivateKey({ key: Buffer.from(leaf.privateKey), format: 'der', type: 'pkcs8' });
        const data = Buffer.from(`${name}/${leaf.role}`);
        const sig = sign('sha256', data, key);
        assert.ok(verify('sha256', data, new NodeX509(leaf.certificate).publicKey, sig));
      }
    }
  });

  test('a second ensurePki returns the same certificates and keys (cache reuse)', async () => {
    const again = await ensurePki();
    for (const name of PROFILE_NAMES) {
      for (const role of ['authentication', 'signature'] as const) {
        const a = pki.card(name)[role];
        const b = again.card(name)[role];
        assert.deepEqual(b?.certificate, a?.certificate);
        assert.deepEqual(b?.privateKey, a?.privateKey);
      }
    }
    assert.deepEqual(again.root.certificate, pki.root.certificate);
    assert.deepEqual(again.crl, pki.crl);
  });

  test('an unknown profile is refused with the list of valid ones', () => {
    assert.throws(() => pki.card('cps-astronaute'), /cps-medecin/);
  });
});
