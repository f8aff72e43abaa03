// PIN-pad readers: the token says so (CKF_PROTECTED_AUTHENTICATION_PATH), C_Login comes with an empty PIN
// (pkcs11js: '') and the reader uses what the user typed on its pad, within the same 3 tries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { ckr, makeSim, type Sim } from '../helpers/sim.ts';

describe('PIN-pad reader', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  const slot = (reader: number) => p11.C_GetSlotList(false)[reader]!;
  const flags = (reader: number) => p11.C_GetTokenInfo(slot(reader)).flags;
  const open = (reader: number) => p11.C_OpenSession(slot(reader), pkcs11js.CKF_SERIAL_SESSION);

  before(async () => {
    sim = await makeSim({ readers: 2, latency: { loginMs: 0, signMs: 0, pinpadMs: 10, pinpadTimeoutMs: 300 } });
    await sim.insert('cps-medecin', 0);
    await sim.insert('cps-medecin', 1);
    sim.setPinpad(1, true);
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('only the PIN-pad reader\'s token has CKF_PROTECTED_AUTHENTICATION_PATH', () => {
    assert.equal(flags(1) & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH, pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH);
    assert.equal(flags(0) & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH, 0);
    assert.deepEqual(sim.status().readers.map((r) => r.pinpad), [false, true]);
  });

  it('without a PIN pad, an empty PIN is refused', () => {
    assert.equal(ckr(() => p11.C_Login(open(0), pkcs11js.CKU_USER, '')), 'CKR_ARGUMENTS_BAD');
  });

  it('logs in with the right PIN typed on the pad, which is used once', () => {
    sim.typeOnPinpad(1, '1234');
    const s = open(1);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '')), 'CKR_OK');
    assert.equal(sim.status().readers[1]!.pinTyped, false);
    p11.C_Logout(s);
  });

  it('a wrong PIN typed on the pad costs a try', () => {
    sim.typeOnPinpad(1, '0000');
    sim.resetCounters();
    assert.equal(ckr(() => p11.C_Login(open(1), pkcs11js.CKU_USER, '')), 'CKR_PIN_INCORRECT');
    assert.equal(flags(1) & pkcs11js.CKF_USER_PIN_COUNT_LOW, pkcs11js.CKF_USER_PIN_COUNT_LOW);
    assert.equal(sim.counters()['softhsm.C_Login'], 1);
    assert.equal(sim.status().readers[1]!.card!.triesLeft, 2);
  });

  it('nothing typed before the timeout: CKR_FUNCTION_CANCELED, no try spent', () => {
    sim.resetCounters();
    assert.equal(ckr(() => p11.C_Login(open(1), pkcs11js.CKU_USER, '')), 'CKR_FUNCTION_CANCELED');
    assert.equal(sim.counters()['softhsm.C_Login'] ?? 0, 0);
    assert.equal(sim.status().readers[1]!.card!.triesLeft, 2);
  });

  it('a PIN given by the application is still used as is on a PIN-pad reader', () => {
    assert.equal(ckr(() => p11.C_Login(open(1), pkcs11js.CKU_USER, '1234')), 'CKR_OK');
    assert.equal(sim.status().readers[1]!.card!.triesLeft, 3);
  });

  it('switching the PIN pad off clears the flag', () => {
    sim.setPinpad(1, false);
    assert.equal(flags(1) & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH, 0);
  });
});
