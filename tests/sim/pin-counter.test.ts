// The card's PIN counter: 3 tries kept in the simulator's state (so across processes), token flags that
// follow it, a blocked card that refuses even the right PIN without checking it, and the PUK unblock.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { ckr, makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

const CHILD = new URL('./fixtures/p11-child.mjs', import.meta.url).pathname;
const PIN_FLAGS = pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_LOCKED;

function inChild(sim: Sim, ...args: string[]): { rv: string; flags: number } {
  const out = execFileSync(process.execPath, [CHILD, ...args], { env: { ...process.env, ...sim.env } });
  return JSON.parse(out.toString());
}

describe('PIN counter', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let card: ProvisionedCard;
  const slot = (reader: number) => p11.C_GetSlotList(false)[reader]!;
  const pinFlags = (reader: number) => p11.C_GetTokenInfo(slot(reader)).flags & PIN_FLAGS;
  const session = (reader: number) => p11.C_OpenSession(slot(reader), pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);

  before(async () => {
    sim = await makeSim();
    card = await sim.insert('cps-medecin', 0);
    await sim.insert('cps-pharmacien', 1);
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('a right PIN after a wrong one restores the tries; a second login is refused as already logged in', () => {
    const s = session(1);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '9999')), 'CKR_PIN_INCORRECT');
    assert.equal(pinFlags(1), pkcs11js.CKF_USER_PIN_COUNT_LOW);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '1234')), 'CKR_OK');
    assert.equal(pinFlags(1), 0);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '1234')), 'CKR_USER_ALREADY_LOGGED_IN');
    p11.C_CloseSession(s);
  });

  it('a PIN of the wrong length is refused before reaching the card and costs no try', () => {
    const s = session(1);
    sim.resetCounters();
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '12')), 'CKR_PIN_LEN_RANGE');
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '123456789')), 'CKR_PIN_LEN_RANGE');
    assert.equal(sim.counters()['softhsm.C_Login'] ?? 0, 0);
    assert.equal(pinFlags(1), 0);
    p11.C_CloseSession(s);
  });

  it('3 wrong PINs lock the card with exactly 3 C_Login reaching SoftHSM', () => {
    const s = session(0);
    sim.resetCounters();
    const expected = [pkcs11js.CKF_USER_PIN_COUNT_LOW, pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY,
      pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_LOCKED];
    for (const flags of expected) {
      // the last wrong PIN still answers CKR_PIN_INCORRECT (IAS-ECC 63C0); the flags say the card is now blocked
      assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '0000')), 'CKR_PIN_INCORRECT');
      assert.equal(pinFlags(0), flags);
    }
    assert.equal(sim.counters()['softhsm.C_Login'], 3);
    assert.equal(sim.status().readers[0]!.card!.triesLeft, 0);
  });

  it('a blocked card answers CKR_PIN_LOCKED to the right PIN without checking it', () => {
    const s = session(0);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '1234')), 'CKR_PIN_LOCKED');
    const counters = sim.counters();
    assert.equal(counters['softhsm.C_Login'], 3);
    assert.equal(counters.C_Login, 4);
    // the other card is untouched
    assert.equal(pinFlags(1), 0);
  });

  it('the lock survives a new process', () => {
    const child = inChild(sim, 'login', '1234');
    assert.equal(child.rv, 'CKR_PIN_LOCKED');
    assert.equal(child.flags & pkcs11js.CKF_USER_PIN_LOCKED, pkcs11js.CKF_USER_PIN_LOCKED);
    assert.equal(sim.counters()['softhsm.C_Login'], 3);
  });

  it('the PUK (SO login) then C_InitPIN unblocks the card', () => {
    const s = session(0);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_SO, '87654321')), 'CKR_PIN_INCORRECT');
    p11.C_Login(s, pkcs11js.CKU_SO, '12345678');
    p11.C_InitPIN(s, '4321');
    p11.C_Logout(s);
    assert.equal(pinFlags(0), 0);
    assert.equal(sim.status().pinCounters[card.cardId], 3);
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '1234')), 'CKR_PIN_INCORRECT');
    assert.equal(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '4321')), 'CKR_OK');
    assert.equal(pinFlags(0), 0);
  });

  it('the counter belongs to the card: re-inserted, a blocked card is still blocked', () => {
    sim.resetPinCounter(card.cardId, 0);
    sim.remove(0);
    sim.reinsert(card, 0);
    assert.equal(inChild(sim, 'login', '4321').rv, 'CKR_PIN_LOCKED');
    sim.resetPinCounter(card.cardId);
    assert.equal(inChild(sim, 'login', '4321').rv, 'CKR_OK');
  });
});
