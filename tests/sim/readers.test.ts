// Readers as slots, cards inserted and removed while the module is in use, as Cryptolib CPS shows them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { ckr, makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

const CKS_RO_PUBLIC_SESSION = 0; // session states (PKCS#11 v2.20 §6.7.1), not exported by pkcs11js
const CKS_RO_USER_FUNCTIONS = 1;
// slot flags: exported by pkcs11js at run time, missing from its type declarations
const { CKF_TOKEN_PRESENT, CKF_REMOVABLE_DEVICE } = pkcs11js as unknown as Record<string, number>;

const slotIndex = (slot: Buffer) => Number(slot.readBigUInt64LE());

function labels(p11: pkcs11js.PKCS11, session: Buffer, cls: number): string[] {
  p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: cls }]);
  const found = p11.C_FindObjects(session, 20);
  p11.C_FindObjectsFinal(session);
  return found.map((h) => p11.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_LABEL }])[0]!.value!.toString()).sort();
}

describe('readers and cards', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let medecin: ProvisionedCard;
  const slot = (reader: number) => p11.C_GetSlotList(false)[reader]!;
  const open = (reader: number) => p11.C_OpenSession(slot(reader), pkcs11js.CKF_SERIAL_SESSION);

  before(async () => {
    sim = await makeSim({ readers: 2 });
    p11 = sim.open(); // before any card exists: cards provisioned later must still be found
  });
  after(() => sim.cleanup());

  it('shows one slot per reader, named like a PC/SC reader, and none of SoftHSM\'s own slots', () => {
    const slots = p11.C_GetSlotList(false);
    assert.deepEqual(slots.map(slotIndex), [0, 1]);
    assert.deepEqual(p11.C_GetSlotList(true), []);
    const info = p11.C_GetSlotInfo(slots[1]!);
    assert.equal(info.slotDescription.trim(), 'CPx Link Simulated Reader [CCID Interface] 00 01');
    assert.equal(info.flags & CKF_TOKEN_PRESENT, 0);
    assert.equal(info.flags & CKF_REMOVABLE_DEVICE, CKF_REMOVABLE_DEVICE);
    assert.equal(ckr(() => p11.C_GetTokenInfo(slots[0]!)), 'CKR_TOKEN_NOT_PRESENT');
    assert.equal(ckr(() => p11.C_OpenSession(slots[0]!, pkcs11js.CKF_SERIAL_SESSION)), 'CKR_TOKEN_NOT_PRESENT');
  });

  it('sees a card provisioned and inserted after C_Initialize, as a CPS3 in its reader', async () => {
    medecin = await sim.insert('cps-medecin', 0);
    assert.deepEqual(p11.C_GetSlotList(true).map(slotIndex), [0]);
    assert.equal(p11.C_GetSlotInfo(slot(0)).flags & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT);
    const token = p11.C_GetTokenInfo(slot(0));
    assert.equal(token.label.trim(), `CPS3v3-${medecin.cardNumber}`);
    assert.equal(token.model.trim(), 'IAS ECC');
    assert.equal(token.serialNumber.trim(), medecin.tokenSerial);
  });

  it('removal mid-session: CKR_DEVICE_REMOVED once per session, then an unknown handle; the slot is empty', () => {
    const s1 = open(0);
    const s2 = open(0);
    p11.C_Login(s1, pkcs11js.CKU_USER, '1234');
    assert.ok(labels(p11, s1, pkcs11js.CKO_PRIVATE_KEY).includes('CPS_PRIV_AUT'));
    sim.remove(0);
    assert.equal(ckr(() => p11.C_FindObjectsInit(s1, [])), 'CKR_DEVICE_REMOVED');
    assert.equal(ckr(() => p11.C_FindObjectsInit(s1, [])), 'CKR_SESSION_HANDLE_INVALID');
    assert.equal(ckr(() => p11.C_GetSessionInfo(s2)), 'CKR_DEVICE_REMOVED');
    assert.equal(ckr(() => p11.C_CloseSession(s2)), 'CKR_SESSION_HANDLE_INVALID');
    assert.equal(ckr(() => p11.C_GetTokenInfo(slot(0))), 'CKR_TOKEN_NOT_PRESENT');
    assert.deepEqual(p11.C_GetSlotList(true), []);
    assert.equal(p11.C_GetSlotInfo(slot(0)).flags & CKF_TOKEN_PRESENT, 0);
  });

  it('closing a session whose card was removed succeeds (and the handle is gone)', () => {
    sim.reinsert(medecin, 0);
    const s = open(0);
    sim.remove(0);
    assert.equal(ckr(() => p11.C_CloseSession(s)), 'CKR_OK');
    assert.equal(ckr(() => p11.C_CloseSession(s)), 'CKR_SESSION_HANDLE_INVALID');
  });

  it('re-insertion works, and re-inserting the same card between two calls is still a removal', () => {
    sim.reinsert(medecin, 0);
    const s = open(0);
    p11.C_Login(s, pkcs11js.CKU_USER, '1234');
    assert.equal(p11.C_GetSessionInfo(s).state, CKS_RO_USER_FUNCTIONS);
    sim.remove(0);
    sim.reinsert(medecin, 0);
    assert.equal(ckr(() => p11.C_GetSessionInfo(s)), 'CKR_DEVICE_REMOVED');
    const again = open(0);
    assert.equal(p11.C_GetSessionInfo(again).state, CKS_RO_PUBLIC_SESSION); // a new card is not logged in
    p11.C_CloseSession(again);
  });

  it('a new card in another reader does not disturb the sessions open on the first one', async () => {
    const s0 = open(0);
    p11.C_Login(s0, pkcs11js.CKU_USER, '1234');
    const pharmacien = await sim.insert('cps-pharmacien', 1); // SoftHSM has sessions open: needs a second instance
    assert.deepEqual(p11.C_GetSlotList(true).map(slotIndex), [0, 1]);
    assert.equal(p11.C_GetTokenInfo(slot(1)).label.trim(), `CPS3v3-${pharmacien.cardNumber}`);
    const s1 = open(1);
    p11.C_Login(s1, pkcs11js.CKU_USER, '1234');
    assert.deepEqual(labels(p11, s1, pkcs11js.CKO_PRIVATE_KEY), ['CPS_PRIV_AUT', 'CPS_PRIV_SIG']);
    assert.equal(p11.C_GetSessionInfo(s0).state, CKS_RO_USER_FUNCTIONS);
    assert.deepEqual(labels(p11, s0, pkcs11js.CKO_PRIVATE_KEY), ['CPS_PRIV_AUT', 'CPS_PRIV_SIG']);
    assert.equal(slotIndex(p11.C_GetSessionInfo(s1).slotID), 1);
    p11.C_CloseAllSessions(slot(0));
    assert.equal(ckr(() => p11.C_GetSessionInfo(s0)), 'CKR_SESSION_HANDLE_INVALID');
    assert.equal(p11.C_GetSessionInfo(s1).state, CKS_RO_USER_FUNCTIONS);
  });

  it('a card taken out while it signs (on another thread) fails that signature, and nothing else breaks', async () => {
    p11.C_CloseAllSessions(slot(1));
    const card = sim.status().readers[1]!.card!;
    const s = open(1);
    const other = open(1);
    p11.C_Login(s, pkcs11js.CKU_USER, '1234');
    p11.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
    const [key] = p11.C_FindObjects(s, 1);
    p11.C_FindObjectsFinal(s);
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key!);
    sim.setLatency({ signMs: 3000 }); // a slow card: the removal lands while C_Sign is in the module
    const received = sim.counters().C_Sign ?? 0;
    const signing = p11.C_SignAsync(s, Buffer.from('data'), Buffer.alloc(256)); // runs on a libuv worker thread
    while ((sim.counters().C_Sign ?? 0) === received) await new Promise((r) => setTimeout(r, 5));
    sim.remove(1);
    // this thread notices the removal first, while the worker's session is in use
    assert.equal(ckr(() => p11.C_GetSessionInfo(other)), 'CKR_DEVICE_REMOVED');
    await assert.rejects(signing, /CKR_DEVICE_REMOVED/);
    sim.setLatency({ signMs: 0 });
    assert.equal(ckr(() => p11.C_GetSessionInfo(s)), 'CKR_SESSION_HANDLE_INVALID');
    sim.reinsert(card, 1);
    const again = open(1);
    p11.C_Login(again, pkcs11js.CKU_USER, '1234');
    p11.C_CloseSession(again);
    sim.remove(1);
  });

  it('a reader pointing at a token SoftHSM does not have shows an unreadable card', () => {
    sim.reinsert({ ...medecin, tokenSerial: '0123456789abcdef', cardId: 'ghost' }, 1);
    assert.equal(ckr(() => p11.C_GetTokenInfo(slot(1))), 'CKR_TOKEN_NOT_RECOGNIZED');
    sim.remove(1);
  });
});
