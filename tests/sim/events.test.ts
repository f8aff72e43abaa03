// Slot events as Cryptolib CPS gives them: only the non-blocking form works, each change is reported once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { ckr, makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

const slotIndex = (slot: Buffer) => Number(slot.readBigUInt64LE());

describe('slot events', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let first: ProvisionedCard;
  /** Every event pending, in the order the module reports them, until CKR_NO_EVENT (null). */
  const drain = () => {
    const events: number[] = [];
    for (let e = p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK); e; e = p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK)) {
      events.push(slotIndex(e));
      assert.ok(events.length <= 4, 'the same change is reported again and again');
    }
    return events;
  };

  before(async () => {
    sim = await makeSim({ readers: 3 });
    first = await sim.insert('cps-medecin', 0);
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('a card already in a reader at C_Initialize is not an event', () => {
    assert.deepEqual(drain(), []);
  });

  it('the blocking form is not supported, as with Cryptolib CPS', () => {
    assert.equal(ckr(() => p11.C_WaitForSlotEvent(0)), 'CKR_FUNCTION_NOT_SUPPORTED');
  });

  it('reports an insertion and a removal once each', async () => {
    await sim.insert('cpe', 2);
    assert.deepEqual(drain(), [2]);
    sim.remove(0);
    assert.deepEqual(drain(), [0]);
    assert.deepEqual(drain(), []);
  });

  it('reports a removal followed by a re-insertion between two polls as one change of that slot', () => {
    sim.reinsert(first, 0);
    assert.deepEqual(drain(), [0]);
    sim.remove(0);
    sim.reinsert(first, 0);
    assert.deepEqual(drain(), [0]);
  });

  it('reports changes in several readers, one slot per call', async () => {
    sim.remove(0);
    sim.remove(2);
    assert.deepEqual(drain().sort(), [0, 2]);
  });
});
