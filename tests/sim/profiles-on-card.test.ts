// Every card profile as an application sees it through the simulator: a CPS3 or CPS4 token, its certificates under
// the Cryptolib labels, each paired with its private key by CKA_ID, the public data object, and keys that
// sign what their certificate verifies. (The certificates' own contents are tested in tests/pki.)
import assert from 'node:assert/strict';
import { X509Certificate, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { PROFILE_NAMES, getProfile, tokenLabel } from '../../native/sim/profiles.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';

const AUTH = { certificate: "Certificat d'Authentification CPS", key: 'CPS_PRIV_AUT' };
const SIGN = { certificate: 'Certificat de Signature CPS', key: 'CPS_PRIV_SIG' };

interface CardObject { label: string; id: Buffer; value?: Buffer; handle: Buffer }

describe('each profile through the simulator', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let intermediate: X509Certificate;

  function objects(session: Buffer, cls: number, withValue: boolean): CardObject[] {
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: cls }]);
    const handles = p11.C_FindObjects(session, 50);
    p11.C_FindObjectsFinal(session);
    return handles.map((handle) => {
      const attrs = p11.C_GetAttributeValue(session, handle, cls === pkcs11js.CKO_DATA
        ? [{ type: pkcs11js.CKA_LABEL }, { type: pkcs11js.CKA_VALUE }]
        : [{ type: pkcs11js.CKA_LABEL }, { type: pkcs11js.CKA_ID }, ...(withValue ? [{ type: pkcs11js.CKA_VALUE }] : [])]);
      const [label, second, third] = attrs.map((a) => a.value as Buffer);
      return cls === pkcs11js.CKO_DATA
        ? { label: label!.toString(), id: Buffer.alloc(0), value: second, handle }
        : { label: label!.toString(), id: second!, value: third, handle };
    });
  }

  before(async () => {
    sim = await makeSim({ readers: 1 });
    p11 = sim.open();
    const trust = readFileSync(sim.env.CPX_TEST_TRUST!, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
    intermediate = trust.map((pem) => new X509Certificate(pem)).find((c) => c.subject !== c.issuer)!;
  });
  after(() => sim.cleanup());

  for (const name of PROFILE_NAMES) {
    it(name, async () => {
      const profile = getProfile(name);
      await sim.insert(name, 0);
      const slot = p11.C_GetSlotList(true)[0]!;
      const token = p11.C_GetTokenInfo(slot);
      assert.equal(token.label, tokenLabel(profile).padEnd(32, ' '));
      assert.equal(token.model.trim(), profile.generation === 'CPS4' ? 'NXP' : 'IAS ECC');
      // RSA-PSS on a CPS4 only; PKCS#1 v1.5 on both (what the card layer signs RS256 with)
      const mechanisms = p11.C_GetMechanismList(slot);
      assert.equal(mechanisms.includes(pkcs11js.CKM_SHA256_RSA_PKCS_PSS), profile.generation === 'CPS4');
      assert.equal(mechanisms.includes(pkcs11js.CKM_RSA_PKCS_PSS), profile.generation === 'CPS4');
      assert.ok(mechanisms.includes(pkcs11js.CKM_SHA256_RSA_PKCS) && mechanisms.includes(pkcs11js.CKM_RSA_PKCS));
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);

      // public objects, before any PIN
      const certificates = objects(session, pkcs11js.CKO_CERTIFICATE, true);
      const expected = [...(profile.authentication ? [AUTH] : []), ...(profile.signature ? [SIGN] : [])];
      assert.deepEqual(certificates.map((c) => c.label).sort(), expected.map((e) => e.certificate).sort());
      assert.deepEqual(objects(session, pkcs11js.CKO_PRIVATE_KEY, false), []);
      assert.ok(objects(session, pkcs11js.CKO_DATA, false).some((d) => d.label === 'CPS_INFO_PS' && d.value!.length > 0));

      p11.C_Login(session, pkcs11js.CKU_USER, '1234');
      const keys = objects(session, pkcs11js.CKO_PRIVATE_KEY, false);
      assert.equal(keys.length, expected.length);
      for (const pair of expected) {
        const cert = certificates.find((c) => c.label === pair.certificate)!;
        const partners = keys.filter((k) => k.id.equals(cert.id));
        assert.deepEqual(partners.map((k) => k.label), [pair.key], `${pair.certificate} pairs with its key by CKA_ID`);
        const x509 = new X509Certificate(cert.value!);
        assert.ok(x509.verify(intermediate.publicKey), 'issued by the test intermediate');
        const data = Buffer.from(`${name} ${pair.key}`);
        p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, partners[0]!.handle);
        assert.ok(verify('sha256', data, x509.publicKey, p11.C_Sign(session, data, Buffer.alloc(512))));
      }
      p11.C_CloseSession(session);
    });
  }
});
