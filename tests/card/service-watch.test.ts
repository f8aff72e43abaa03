// The watcher at rest: it reads the cards again only when something may have changed (a slot event, or the slot
// lists where events are missing or unreliable, plus a slower safety read), and looks less often while the app says
// its windows are hidden. Call counts, not timings: how often the module is asked, with generous bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WATCH } from '../../native/service/watch-schedule.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { startService, type Harness } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the service asked the module while `ms` went by at rest. */
async function atRest(sim: Sim, ms: number): Promise<Record<string, number>> {
  const before = sim.counters();
  await sleep(ms);
  const after = sim.counters();
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

async function serviceOver(sim: Sim, t: { after(fn: () => Promise<void>): void }): Promise<Harness> {
  const h = await startService(sim.env);
  t.after(() => h.close());
  return h;
}

test('visible (the default): cheap looks, and the card’s token info read only by the safety refresh', async (t) => {
  const sim = await makeSim({ readers: 1 });
  t.after(() => sim.cleanup());
  await sim.insert('cps-medecin', 0);
  const h = await serviceOver(sim, t);
  await h.client.request('state', {});
  const calls = await atRest(sim, 3000);
  assert.ok((calls.C_WaitForSlotEvent ?? 0) >= 2, `looks: ${JSON.stringify(calls)}`);
  assert.ok((calls.C_GetTokenInfo ?? 0) <= 2 * Math.ceil(3000 / WATCH.activeRefreshMs), `token info at rest: ${JSON.stringify(calls)}`);
  assert.equal(calls.C_OpenSession ?? 0, 0, 'no session opened at rest: the certificates are read once per insertion');
});

test('hidden: fewer looks; a card inserted is still pushed, with its identity; visible again looks faster', async (t) => {
  const sim = await makeSim({ readers: 1 });
  t.after(() => sim.cleanup());
  const h = await serviceOver(sim, t);
  assert.deepEqual(await h.client.request('visibility', { window: 'hidden' }), { window: 'hidden' });
  const hidden = await atRest(sim, 4000);
  const looks = hidden.C_WaitForSlotEvent ?? 0;
  assert.ok(looks >= 1 && looks <= Math.ceil(4000 / WATCH.hiddenCheckMs) + 1, `hidden looks: ${looks}`);
  const present = h.nextState((s) => s.kind === 'CARD_PRESENT', 10_000);
  await sim.insert('cpe', 0);
  assert.equal((await present).cards[0]!.holder!.nationalId.type, 'FINESS');
  await h.client.request('visibility', { window: 'visible' });
  const visible = await atRest(sim, 2000);
  assert.ok((visible.C_WaitForSlotEvent ?? 0) > looks / 2 + 1, `visible looks faster: ${JSON.stringify(visible)} vs ${looks} in 4 s hidden`);
  assert.equal((await h.client.request('visibility', { window: 'sideways' as never }).catch((e) => e)).code, 'BAD_REQUEST');
});

test('a module without slot events: the slot lists are watched instead; insertion and removal still pushed', async (t) => {
  const sim = await makeSim({ readers: 2 });
  t.after(() => sim.cleanup());
  sim.injectFault('C_WaitForSlotEvent', 'not_supported');
  const h = await serviceOver(sim, t);
  const present = h.nextState((s) => s.kind === 'CARD_PRESENT');
  await sim.insert('cps-medecin', 1);
  assert.equal((await present).cards[0]!.readerIndex, 1);
  const calls = await atRest(sim, 2000);
  assert.ok((calls.C_GetSlotList ?? 0) >= 2, `slot lists looked at: ${JSON.stringify(calls)}`);
  assert.ok((calls.C_GetTokenInfo ?? 0) <= 2, `token info only on a change or a safety read: ${JSON.stringify(calls)}`);
  const removed = h.nextState((s) => s.kind === 'CARD_REMOVED');
  sim.remove(1);
  await removed;
});

test('slot events that never come: the safety read sees the change, and the slot lists are watched from then on', async (t) => {
  const sim = await makeSim({ readers: 1 });
  t.after(() => sim.cleanup());
  sim.injectFault('C_WaitForSlotEvent', 'no_event');
  const h = await serviceOver(sim, t);
  const present = h.nextState((s) => s.kind === 'CARD_PRESENT', WATCH.activeRefreshMs * 3);
  await sim.insert('cps-medecin', 0);
  await present; // seen by the safety read, without any event
  const removed = h.nextState((s) => s.kind === 'CARD_REMOVED', WATCH.activeRefreshMs * 3);
  sim.remove(0);
  await removed;
  assert.ok(h.output().includes('without a slot event'), 'the events were given up');
  // From now on the lists are looked at between two safety reads.
  const calls = await atRest(sim, 1500);
  assert.ok((calls.C_GetSlotList ?? 0) >= 2, JSON.stringify(calls));
});
