// What the module says about itself and what it refuses, as Cryptolib CPS does, without ever passing for it;
// and a hidden mechanism, so that the card layer's CKM_RSA_PKCS + DigestInfo fallback can be exercised.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { planSignature } from '../../native/pkcs11/signing.ts';
import { ckr, makeSim, type Sim } from '../helpers/sim.ts';

describe('module identity and refusals', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let slot: Buffer;
  let session: Buffer;

  before(async () => {
    sim = await makeSim();
    await sim.insert('cps-medecin', 0);
    p11 = sim.open();
    slot = p11.C_GetSlotList(true)[0]!;
    session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
  });
  after(() => sim.cleanup());

  it('C_GetInfo names the simulator, never the card issuer (ANS)', () => {
    const info = p11.C_GetInfo();
    assert.equal(info.manufacturerID.trim(), 'CPx Link simulator');
    assert.match(info.libraryDescription, /simulated/i);
    for (const text of [info.manufacturerID, info.libraryDescription, p11.C_GetTokenInfo(slot).manufacturerID]) {
      assert.doesNotMatch(text, /\bANS\b|CPS3 PKCS#11/);
    }
  });

  it('SoftHSM runs on the state\'s own configuration', () => {
    assert.equal(process.env.SOFTHSM2_CONF, sim.env.SOFTHSM2_CONF);
  });

  it('refuses C_CreateObject, C_CopyObject and C_InitToken, without reaching SoftHSM', () => {
    sim.resetCounters();
    const template = [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA }, { type: pkcs11js.CKA_TOKEN, value: false }];
    assert.equal(ckr(() => p11.C_CreateObject(session, template)), 'CKR_FUNCTION_NOT_SUPPORTED');
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA }]);
    const [data] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    assert.ok(data);
    assert.equal(ckr(() => p11.C_CopyObject(session, data, [])), 'CKR_FUNCTION_NOT_SUPPORTED');
    assert.equal(ckr(() => p11.C_InitToken(slot, '12345678', 'x')), 'CKR_FUNCTION_NOT_SUPPORTED');
    const counters = sim.counters();
    assert.equal(counters.C_CreateObject, 1);
    assert.equal(counters['softhsm.C_CreateObject'] ?? 0, 0);
    assert.equal(counters['softhsm.C_CopyObject'] ?? 0, 0);
  });

  it('without CPX_SIM_STATE, C_Initialize fails and says why', () => {
    const env: Record<string, string | undefined> = { ...process.env, ...sim.env };
    delete env.CPX_SIM_STATE;
    const child = spawnSync(process.execPath, [new URL('./fixtures/p11-child.mjs', import.meta.url).pathname, 'login', '1234'], { env });
    assert.notEqual(child.status, 0);
    assert.match(child.stderr.toString(), /CKR_GENERAL_ERROR/);
    assert.match(child.stderr.toString(), /CPX_SIM_STATE is not set/);
  });

  it('a hidden mechanism is neither listed nor accepted; CKM_RSA_PKCS over DigestInfo gives the same signature', () => {
    const key = (() => {
      p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
      const [h] = p11.C_FindObjects(session, 1);
      p11.C_FindObjectsFinal(session);
      return h!;
    })();
    const data = Buffer.from('origin hash || nonce hash');
    assert.ok(p11.C_GetMechanismList(slot).includes(pkcs11js.CKM_SHA256_RSA_PKCS));
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
    const direct = p11.C_Sign(session, data, Buffer.alloc(256));

    sim.hideMechanisms(['CKM_SHA256_RSA_PKCS']);
    const listed = p11.C_GetMechanismList(slot);
    assert.ok(!listed.includes(pkcs11js.CKM_SHA256_RSA_PKCS));
    assert.ok(listed.includes(pkcs11js.CKM_RSA_PKCS));
    assert.equal(ckr(() => p11.C_GetMechanismInfo(slot, pkcs11js.CKM_SHA256_RSA_PKCS)), 'CKR_MECHANISM_INVALID');
    assert.equal(ckr(() => p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key)), 'CKR_MECHANISM_INVALID');
    // The card layer's own fallback (its DigestInfo prefix), checked against the token's hashing mechanism.
    const fallback = planSignature(listed, data)!;
    assert.equal(fallback.mechanism, pkcs11js.CKM_RSA_PKCS);
    p11.C_SignInit(session, { mechanism: fallback.mechanism }, key);
    assert.deepEqual(p11.C_Sign(session, fallback.input, Buffer.alloc(256)), direct);

    sim.hideMechanisms([]);
    assert.ok(p11.C_GetMechanismList(slot).includes(pkcs11js.CKM_SHA256_RSA_PKCS));
  });
});
