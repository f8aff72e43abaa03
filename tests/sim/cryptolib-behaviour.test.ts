// The simulator behaves as Cryptolib CPS does in the field (domain.md, "Cryptolib CPS as it really behaves"): CPS4
// cards with RSA-PSS beside CPS3 ones without, the middleware's own detection period, a card swapped under an open
// session, a reader unplugged that reshuffles the slots, a machine without readers, the PUK's own counter, a
// middleware without PIN management, and PIN-pad readers asking for several codes.
import assert from 'node:assert/strict';
import { X509Certificate, constants, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import * as control from '../../native/sim/control.ts';
import { provisionCard } from '../../native/sim/provision.ts';
import { ckr, makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

const PUK_FLAGS = pkcs11js.CKF_SO_PIN_COUNT_LOW | pkcs11js.CKF_SO_PIN_FINAL_TRY | pkcs11js.CKF_SO_PIN_LOCKED;
const PIN_FLAGS = pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_LOCKED;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const label = (p11: pkcs11js.PKCS11, slot: Buffer) => p11.C_GetTokenInfo(slot).label.trim();
const slotIndex = (slot: Buffer) => Number(slot.readBigUInt64LE());

function findKey(p11: pkcs11js.PKCS11, session: Buffer): Buffer {
  p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
  const [key] = p11.C_FindObjects(session, 1);
  p11.C_FindObjectsFinal(session);
  return key!;
}

function authCertificate(p11: pkcs11js.PKCS11, session: Buffer): X509Certificate {
  p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: "Certificat d'Authentification CPS" }]);
  const [cert] = p11.C_FindObjects(session, 1);
  p11.C_FindObjectsFinal(session);
  return new X509Certificate(p11.C_GetAttributeValue(session, cert!, [{ type: pkcs11js.CKA_VALUE }])[0]!.value as Buffer);
}

describe('Cryptolib CPS as it really behaves', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  const slots = () => p11.C_GetSlotList(false);
  const rw = (slot: Buffer) => p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  const detectEvery = (detectMs: number) => control.setLatency(sim.dir, { detectMs });

  before(async () => {
    sim = await makeSim({ readers: 3 });
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('a CPS4 (label CPS4v1-…, model NXP) offers RSA-PSS and signs with it; a CPS3 has no PSS mechanism at all', async () => {
    const cps4 = await sim.insert('cps4', 0);
    await sim.insert('cps-medecin', 1);
    const [s4, s3] = slots();
    assert.equal(label(p11, s4!), `CPS4v1-${cps4.cardNumber}`);
    assert.equal(p11.C_GetTokenInfo(s4!).model.trim(), 'NXP');
    assert.equal(p11.C_GetTokenInfo(s3!).model.trim(), 'IAS ECC');
    const pss = { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS_PSS, parameter: { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen: 32 } };
    const data = Buffer.from('signed with PSS');
    const session4 = rw(s4!);
    p11.C_Login(session4, pkcs11js.CKU_USER, '1234');
    p11.C_SignInit(session4, pss as pkcs11js.Mechanism, findKey(p11, session4));
    const signature = p11.C_Sign(session4, data, Buffer.alloc(256));
    const key = authCertificate(p11, session4).publicKey;
    assert.ok(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature));
    p11.C_CloseSession(session4);

    assert.ok(!p11.C_GetMechanismList(s3!).includes(pkcs11js.CKM_SHA256_RSA_PKCS_PSS));
    assert.equal(ckr(() => p11.C_GetMechanismInfo(s3!, pkcs11js.CKM_RSA_PKCS_PSS)), 'CKR_MECHANISM_INVALID');
    const session3 = rw(s3!);
    p11.C_Login(session3, pkcs11js.CKU_USER, '1234');
    assert.equal(ckr(() => p11.C_SignInit(session3, pss as pkcs11js.Mechanism, findKey(p11, session3))), 'CKR_MECHANISM_INVALID');
    p11.C_CloseSession(session3);
    sim.remove(0);
    sim.remove(1);
  });

  it('detection period: a change shows in the slots only at the middleware’s next detection', async () => {
    const card = await provisionCard(sim.dir, 'cpe');
    detectEvery(400);
    try {
      assert.deepEqual(p11.C_GetSlotList(true), []); // a detection runs now (the last one is old)
      sim.reinsert(card, 0);
      assert.deepEqual(p11.C_GetSlotList(true), [], 'not seen before the next detection');
      await sleep(450);
      assert.deepEqual(p11.C_GetSlotList(true).map(slotIndex), [0]);
      assert.equal(label(p11, slots()[0]!), `CPS3v3-${card.cardNumber}`);
      assert.equal(p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK) !== null, true, 'the event comes with the detection');
    } finally {
      detectEvery(0);
      sim.remove(0);
    }
  });

  it('a card swapped in the same reader: the old session answers CKR_TOKEN_NOT_PRESENT while the slot still shows the old card', async () => {
    const first = await sim.insert('cps-medecin', 0);
    const second = await provisionCard(sim.dir, 'cps-pharmacien'); // provisioned, not inserted yet
    detectEvery(500);
    try {
      const slot = slots()[0]!;
      assert.equal(label(p11, slot), `CPS3v3-${first.cardNumber}`); // a detection runs now: first is there
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      sim.reinsert(second, 0); // swapped within one detection period
      assert.equal(ckr(() => p11.C_FindObjectsInit(session, [])), 'CKR_TOKEN_NOT_PRESENT');
      assert.equal(label(p11, slot), `CPS3v3-${first.cardNumber}`, 'the middleware still shows the old card');
      assert.equal(ckr(() => p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION)), 'CKR_TOKEN_NOT_PRESENT',
        'no session reaches the new card under the old card’s name');
      await sleep(550);
      assert.equal(label(p11, slot), `CPS3v3-${second.cardNumber}`);
      const fresh = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      assert.equal(authCertificate(p11, fresh).subject.includes('PHARMACH0007512'), true);
      p11.C_CloseSession(fresh);
    } finally {
      detectEvery(0);
      sim.remove(0);
    }
  });

  it('a reader unplugged: the readers after it move up one slot, with their names; its sessions are gone', async () => {
    const a = await sim.insert('cps-medecin', 0);
    const b = await sim.insert('cpe', 1);
    const session = p11.C_OpenSession(slots()[0]!, pkcs11js.CKF_SERIAL_SESSION);
    control.setReaderPlugged(sim.dir, 0, false);
    try {
      const now = slots();
      assert.deepEqual(now.map(slotIndex), [0, 1]);
      assert.equal(p11.C_GetSlotInfo(now[0]!).slotDescription.trim(), 'CPx Link Simulated Reader [CCID Interface] 00 01');
      assert.equal(label(p11, now[0]!), `CPS3v3-${b.cardNumber}`, 'slot 0 now holds the other reader’s card');
      assert.deepEqual(p11.C_GetSlotList(true).map(slotIndex), [0]);
      assert.equal(ckr(() => p11.C_GetSessionInfo(session)), 'CKR_DEVICE_REMOVED');
      assert.equal(ckr(() => p11.C_GetSlotInfo(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]))), 'CKR_SLOT_ID_INVALID');
      assert.equal(sim.status().readers[0]!.plugged, false);
    } finally {
      control.setReaderPlugged(sim.dir, 0, true);
    }
    assert.equal(label(p11, slots()[0]!), `CPS3v3-${a.cardNumber}`);
    sim.remove(0);
    sim.remove(1);
  });

  it('a wrong PUK costs one of its own tries (token flags CKF_SO_PIN_*); the right one restores them; a blocked PUK refuses without checking', async () => {
    const card = await sim.insert('cps-adeli', 2);
    const slot = slots()[2]!;
    const session = rw(slot);
    const pukFlags = () => p11.C_GetTokenInfo(slot).flags & PUK_FLAGS;
    assert.equal(pukFlags(), 0);
    sim.resetCounters();
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_SO, '1234')), 'CKR_PIN_LEN_RANGE', 'a PUK has 8 digits: refused before the card');
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_SO, '87654321')), 'CKR_PIN_INCORRECT');
    assert.equal(pukFlags(), pkcs11js.CKF_SO_PIN_COUNT_LOW);
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_SO, '87654321')), 'CKR_PIN_INCORRECT');
    assert.equal(pukFlags(), pkcs11js.CKF_SO_PIN_COUNT_LOW | pkcs11js.CKF_SO_PIN_FINAL_TRY);
    assert.equal(sim.status().readers[2]!.card!.pukTriesLeft, 1);
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_SO, '12345678')), 'CKR_OK');
    assert.equal(pukFlags(), 0);
    p11.C_Logout(session);
    assert.equal(sim.counters()['softhsm.C_Login'], 3);
    control.resetPukCounter(sim.dir, card.cardId, 0);
    assert.equal(pukFlags(), pkcs11js.CKF_SO_PIN_COUNT_LOW | pkcs11js.CKF_SO_PIN_LOCKED);
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_SO, '12345678')), 'CKR_PIN_LOCKED');
    assert.equal(sim.counters()['softhsm.C_Login'], 3, 'a blocked PUK is not checked');
    p11.C_CloseSession(session);
    sim.remove(2);
  });

  it('C_SetPIN: a wrong current PIN costs a try, a new PIN outside 4..8 is refused before the card, a right one changes it', async () => {
    await sim.insert('cps-medecin', 0);
    const slot = slots()[0]!;
    const session = rw(slot);
    sim.resetCounters();
    assert.equal(ckr(() => p11.C_SetPIN(session, '1234', '123')), 'CKR_PIN_LEN_RANGE');
    assert.equal(sim.counters()['softhsm.C_SetPIN'] ?? 0, 0);
    assert.equal(ckr(() => p11.C_SetPIN(session, '9999', '5678')), 'CKR_PIN_INCORRECT');
    assert.equal(p11.C_GetTokenInfo(slot).flags & PIN_FLAGS, pkcs11js.CKF_USER_PIN_COUNT_LOW);
    assert.equal(ckr(() => p11.C_SetPIN(session, '1234', '5678')), 'CKR_OK');
    assert.equal(p11.C_GetTokenInfo(slot).flags & PIN_FLAGS, 0, 'tries restored');
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_USER, '1234')), 'CKR_PIN_INCORRECT');
    assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_USER, '5678')), 'CKR_OK');
    p11.C_CloseSession(session);
    sim.remove(0);
  });

  it('a middleware without PIN management: C_SetPIN / C_InitPIN answer CKR_FUNCTION_NOT_SUPPORTED on demand', async () => {
    await sim.insert('cps-medecin', 0);
    const session = rw(slots()[0]!);
    sim.injectFault('C_SetPIN', 'not_supported');
    sim.injectFault('C_InitPIN', 'not_supported');
    try {
      assert.equal(ckr(() => p11.C_SetPIN(session, '1234', '5678')), 'CKR_FUNCTION_NOT_SUPPORTED');
      p11.C_Login(session, pkcs11js.CKU_SO, '12345678');
      assert.equal(ckr(() => p11.C_InitPIN(session, '5678')), 'CKR_FUNCTION_NOT_SUPPORTED');
      p11.C_Logout(session);
      assert.equal(sim.status().readers[0]!.card!.triesLeft, 3, 'nothing reached the card');
    } finally {
      sim.injectFault('C_SetPIN', null);
      sim.injectFault('C_InitPIN', null);
      p11.C_CloseSession(session);
      sim.remove(0);
    }
  });

  it('a PIN-pad reader asks for each code in turn: the PUK then the new PIN, or the current then the new one', async () => {
    await sim.insert('cps-medecin', 1);
    sim.setPinpad(1, true);
    sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 2000 });
    try {
      const slot = slots()[1]!;
      const session = rw(slot);
      control.typeOnPinpad(sim.dir, 1, ['12345678', '4321']);
      p11.C_Login(session, pkcs11js.CKU_SO, '');
      p11.C_InitPIN(session, '');
      p11.C_Logout(session);
      assert.equal(sim.status().readers[1]!.pinTyped, false, 'both codes used');
      control.typeOnPinpad(sim.dir, 1, ['4321', '2468']);
      p11.C_SetPIN(session, '', '');
      control.typeOnPinpad(sim.dir, 1, '2468');
      assert.equal(ckr(() => p11.C_Login(session, pkcs11js.CKU_USER, '')), 'CKR_OK');
      p11.C_CloseSession(session);
    } finally {
      sim.setPinpad(1, false);
      sim.remove(1);
    }
  });
});

describe('a machine without any reader (a virtual machine)', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  before(async () => {
    sim = await makeSim({ readers: 0 });
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('has zero slots; a reader plugged in later shows up, with its card', async () => {
    assert.deepEqual(p11.C_GetSlotList(false), []);
    assert.equal(ckr(() => p11.C_GetSlotInfo(Buffer.alloc(8))), 'CKR_SLOT_ID_INVALID');
    control.setReaderCount(sim.dir, 1);
    const card: ProvisionedCard = await sim.insert('cps-medecin', 0);
    assert.equal(p11.C_GetSlotList(true).length, 1);
    assert.equal(label(p11, p11.C_GetSlotList(true)[0]!), `CPS3v3-${card.cardNumber}`);
  });
});
