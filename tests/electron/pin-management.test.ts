// "Changer le code PIN" and "Débloquer avec le code PUK" through the controller, as the main window calls them
// (controller.handle), over the real card service and the simulator, a scripted user typing in the PIN window: the
// fields asked one after the other with their purpose, exactly one C_SetPIN or one C_Login + C_InitPIN per action,
// nothing sent when the two new PINs differ, the PUK's own tries, the blocked PUK, the middleware that cannot, the
// PIN pad; and the windows' visibility reaching the card service.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import * as control from '../../native/sim/control.ts';
import type { PinManagementOutcome, Result } from '../../protocol/ipc.ts';
import { insertCard, RIGHT_PIN, startStack, type Stack } from './harness.ts';

const PUK = '12345678';

let s: Stack;
before(async () => { s = await startStack(); });
after(async () => { await s?.close(); });

function expectOk<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
function expectError<T>(r: Result<T>, code: string): NonNullable<Extract<Result<T>, { ok: false }>['error']> {
  assert.equal(r.ok, false, `expected ${code}, got success`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}

/** What reached the module during `fn`. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; calls: (name: string) => number }> {
  const before = s.sim.counters();
  const result = await fn();
  const after = s.sim.counters();
  return { result, calls: (name) => (after[name] ?? 0) - (before[name] ?? 0) };
}

const changePin = (readerIndex = 0) => s.controller.handle('card:change-pin', { readerIndex });
const unblockPin = (readerIndex = 0) => s.controller.handle('card:unblock-pin', { readerIndex });
const fields = () => s.user.seen.map((r) => r.field);
const cardIn = async (reader = 0) => (await s.cards.request('cards', {})).find((c) => c.readerIndex === reader)!;
/** Whether `pin` opens the card now: a login through the card service, as the app's sign-in would do it. */
const pinWorks = async (pin: string, reader = 0): Promise<boolean> => {
  try {
    await s.cards.request('authenticate', { readerIndex: reader, origin: 'https://example.org', nonce: 'A'.repeat(44), pin: new TextEncoder().encode(pin) });
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'PIN_INCORRECT') return false;
    throw err;
  }
};

describe('Changer le code PIN', () => {
  test('current PIN, new PIN, new PIN again, in one window: one C_SetPIN, no C_Login; the new PIN works, the old no longer', async () => {
    s.sim.remove(0);
    const cardNumber = await insertCard(s, 'cps-medecin', 0);
    s.user.plan(RIGHT_PIN, '4321', '4321');
    const run = await counting(() => changePin());
    const outcome = expectOk<PinManagementOutcome>(run.result);
    assert.deepEqual(outcome, { readerIndex: 0, cardNumber, pin: { triesLeft: 3, locked: false, pinpad: false }, puk: { triesLeft: 3, locked: false } });
    assert.equal(run.calls('C_SetPIN'), 1);
    assert.equal(run.calls('C_Login'), 0);
    assert.deepEqual(fields(), ['current-pin', 'new-pin', 'new-pin-again']);
    assert.ok(s.user.seen.every((r) => r.purpose === 'change' && r.requester === undefined && r.holder.cardNumber === cardNumber));
    assert.equal(s.user.closed, 1, 'the PIN window closed once, at the end');
    assert.ok(s.user.given.every((b) => b.every((x) => x === 0)), 'every code typed was zeroed');
    assert.deepEqual(s.eventsOf('flow:progress').filter((p) => p.flow === 'pin-change').map((p) => p.step).slice(-2), ['pin', 'done']);
    assert.equal(await pinWorks(RIGHT_PIN), false);
    assert.equal(await pinWorks('4321'), true);
  });

  test('the new PIN typed twice differently: said, asked again, nothing reached the card until it matches', async () => {
    s.sim.remove(0);
    await insertCard(s, 'cpe', 0);
    s.user.plan(RIGHT_PIN, '4321', '4312', 'cancel');
    const mismatch = await counting(() => changePin());
    expectError(mismatch.result, 'CANCELLED');
    assert.equal(mismatch.calls('C_SetPIN') + mismatch.calls('C_Login') + mismatch.calls('C_InitPIN'), 0, 'no call at all');
    assert.deepEqual(fields(), ['current-pin', 'new-pin', 'new-pin-again', 'new-pin']);
    assert.equal(s.user.seen[3]!.previousError?.code, 'NEW_PIN_MISMATCH');
    assert.match(s.user.seen[3]!.previousError!.message, /Rien n’a été changé/);

    s.user.plan(RIGHT_PIN, '4321', '4312', '5678', '5678');
    const fixed = await counting(() => changePin());
    expectOk(fixed.result);
    assert.equal(fixed.calls('C_SetPIN'), 1, 'one C_SetPIN, once the two entries matched');
    assert.equal(await pinWorks('5678'), true);
  });

  test('a wrong current PIN: the window comes back with the tries left; no automatic retry; the last try needs a confirmation', async () => {
    s.sim.remove(0);
    await insertCard(s, 'cps-pharmacien', 0);
    s.user.plan('9999', '2468', '2468', 'cancel');
    const wrong = await counting(() => changePin());
    expectError(wrong.result, 'CANCELLED');
    assert.equal(wrong.calls('C_SetPIN'), 1, 'one attempt, the one the user made');
    const again = s.user.seen[3]!;
    assert.equal(again.field, 'current-pin');
    assert.equal(again.previousError?.code, 'PIN_INCORRECT');
    assert.equal(again.triesLeft, 2);

    // Second wrong PIN: one try left, the next question is the final try and carries the warning.
    s.user.plan('9999', '2468', '2468', (req) => { assert.equal(req.finalTry, true); return Promise.resolve(null); });
    expectError(await changePin(), 'CANCELLED');
    assert.equal((await cardIn()).pin.triesLeft, 1);
    s.user.plan({ pin: RIGHT_PIN, confirmFinalTry: true }, '2468', '2468');
    const ok = expectOk(await changePin());
    assert.equal(ok.pin.triesLeft, 3, 'the right PIN gives the tries back');
  });

  test('a blocked card: refused before any question, the user is pointed to the PUK', async () => {
    s.sim.remove(0);
    const card = await s.sim.insert('cps-medecin', 0);
    s.sim.resetPinCounter(card.cardId, 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber && c.pin.locked));
    s.user.plan();
    const run = await counting(() => changePin());
    expectError(run.result, 'PIN_LOCKED');
    assert.equal(s.user.seen.length, 0);
    assert.equal(run.calls('C_SetPIN'), 0);
  });
});

describe('Débloquer avec le code PUK', () => {
  test('PUK, new PIN twice: one C_Login (SO) and one C_InitPIN; the card is usable with the new PIN', async () => {
    s.sim.remove(0);
    const card = await s.sim.insert('cps-medecin', 0);
    s.sim.resetPinCounter(card.cardId, 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber && c.pin.locked));
    s.user.plan(PUK, '2468', '2468');
    const run = await counting(() => unblockPin());
    const outcome = expectOk(run.result);
    assert.deepEqual(outcome.pin, { triesLeft: 3, locked: false, pinpad: false });
    assert.equal(run.calls('C_Login'), 1);
    assert.equal(run.calls('C_InitPIN'), 1);
    assert.equal(run.calls('C_SetPIN'), 0);
    assert.deepEqual(fields(), ['puk', 'new-pin', 'new-pin-again']);
    assert.deepEqual(s.user.seen[0]!.puk, { triesLeft: 3, locked: false });
    assert.equal(await pinWorks('2468'), true);
  });

  test('a wrong PUK costs one of its own tries, shown on the next question; the new PINs differing cost nothing', async () => {
    s.sim.remove(0);
    const card = await s.sim.insert('cpe', 0);
    s.sim.resetPinCounter(card.cardId, 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber && c.pin.locked));
    s.user.plan(PUK, '2468', '2469', 'cancel');
    const mismatch = await counting(() => unblockPin());
    expectError(mismatch.result, 'CANCELLED');
    assert.equal(mismatch.calls('C_Login') + mismatch.calls('C_InitPIN'), 0, 'the PUK was not presented');

    s.user.plan('87654321', '2468', '2468', 'cancel');
    const wrong = await counting(() => unblockPin());
    expectError(wrong.result, 'CANCELLED');
    assert.equal(wrong.calls('C_Login'), 1, 'one C_Login, never repeated on our own');
    assert.equal(wrong.calls('C_InitPIN'), 0);
    const again = s.user.seen[3]!;
    assert.equal(again.field, 'puk');
    assert.equal(again.previousError?.code, 'PUK_INCORRECT');
    assert.deepEqual(again.puk, { triesLeft: 2, locked: false });
    assert.equal(s.sim.status().readers[0]!.card!.pukTriesLeft, 2);
  });

  test('a blocked PUK: refused before any question (a new card from the ANS)', async () => {
    s.sim.remove(0);
    const card = await s.sim.insert('cpe', 0);
    s.sim.resetPinCounter(card.cardId, 0);
    control.resetPukCounter(s.sim.dir, card.cardId, 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber && c.puk?.locked === true));
    s.user.plan();
    const run = await counting(() => unblockPin());
    const error = expectError(run.result, 'PUK_BLOCKED');
    assert.match(error.message, /nouvelle carte auprès de l'ANS/);
    assert.equal(s.user.seen.length, 0);
    assert.equal(run.calls('C_Login'), 0);
  });
});

describe('a middleware that cannot manage the PIN', () => {
  test('CKR_FUNCTION_NOT_SUPPORTED: PIN_MANAGEMENT_UNSUPPORTED, the PIN unchanged, nothing asked again', async (t) => {
    s.sim.remove(0);
    await insertCard(s, 'cps-medecin', 0);
    t.after(() => s.sim.injectFault('C_SetPIN', null));
    s.sim.injectFault('C_SetPIN', 'not_supported');
    s.user.plan(RIGHT_PIN, '4321', '4321');
    const error = expectError(await changePin(), 'PIN_MANAGEMENT_UNSUPPORTED');
    assert.match(error.message, /outil de gestion de Cryptolib CPS/);
    assert.equal(s.user.movesLeft, 0);
    assert.equal(s.user.seen.length, 3);
    s.sim.injectFault('C_SetPIN', null);
    assert.equal(await pinWorks(RIGHT_PIN), true);
  });
});

describe('PIN-pad reader', () => {
  test('the window says "type on the reader" for each step the reader asks for', async (t) => {
    s.sim.remove(1);
    const card = await s.sim.insert('cps-infirmier', 1);
    s.sim.setPinpad(1, true);
    s.sim.setLatency({ pinpadMs: 0, pinpadTimeoutMs: 5000 });
    t.after(() => s.sim.setPinpad(1, false));
    s.sim.resetPinCounter(card.cardId, 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber && c.pin.locked));
    control.typeOnPinpad(s.sim.dir, 1, [PUK, '7531']);
    // The window submits nothing on a PIN pad: an empty answer, then it shows the reader's countdown.
    const pad = () => ({ pin: '' });
    s.user.plan(pad(), pad());
    const run = await counting(() => unblockPin(1));
    expectOk(run.result);
    assert.equal(run.calls('C_Login') + run.calls('C_InitPIN'), 2);
    assert.deepEqual(s.user.seen.map((r) => [r.field, r.pinpad, r.pinpadStep]), [['puk', true, 'puk'], ['new-pin', true, 'new-pin']]);
    s.sim.setPinpad(1, false);
    assert.equal(await pinWorks('7531', 1), true);
    s.sim.remove(1);
  });
});

describe('no code in any answer, event or log line', () => {
  test('the PIN, the new PIN and the PUK appear nowhere the app writes', async () => {
    s.sim.remove(0);
    const card = await s.sim.insert('cps-pharmacien', 0);
    await s.waitForState((st) => st.cards.some((c) => c.cardNumber === card.cardNumber));
    // Distinctive 8-digit codes: a shorter one turns up by chance in a timestamp, a pid or a duration.
    s.user.plan(RIGHT_PIN, '86420975', '86420957', '86420975', '86420975');
    const answers = [JSON.stringify(await changePin())];
    s.sim.resetPinCounter(card.cardId, 0);
    // The counter was set behind the card's back: read it again, as "Actualiser" does.
    const refreshed = expectOk(await s.controller.handle('card:refresh', null));
    assert.equal(refreshed.cards.find((c) => c.cardNumber === card.cardNumber)?.pin.locked, true);
    s.user.plan('97531864', '57918024', '57918024', 'cancel');
    answers.push(JSON.stringify(await unblockPin()));
    s.user.plan(PUK, '57918024', '57918024');
    answers.push(JSON.stringify(await unblockPin()));
    const questions = JSON.stringify(s.user.seen);
    const text = answers.join('\n') + JSON.stringify(s.events) + questions + await readFile(s.logFile, 'utf8');
    for (const code of ['86420975', '86420957', '97531864', '57918024', PUK]) assert.ok(!text.includes(code), `${code} found`);
    assert.match(text, /card\.pin-management/, 'the log was captured (the check above is not vacuous)');
  });
});

describe('windows shown or hidden', () => {
  test('the controller tells the card service, once per change, and tells a restarted service again', async () => {
    const told: string[] = [];
    const real = s.cards.request.bind(s.cards);
    s.cards.request = ((method, params) => {
      const p = real(method, params);
      if (method === 'visibility') void p.then((r) => told.push((r as { window: string }).window), () => told.push('failed'));
      return p;
    }) as typeof s.cards.request;
    try {
      expectOk(await s.controller.handle('app:visibility', 'hidden'));
      expectOk(await s.controller.handle('app:visibility', 'hidden'));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(told, ['hidden'], 'the service answers with its new pace: hidden; a repeat is not sent');
      assert.equal(s.controller.visibility, 'hidden');
      expectError(await s.controller.handle('app:visibility', 'minimised'), 'BAD_REQUEST');

      // The card service dies: the fresh one starts visible, and is told that nothing is shown.
      const up = new Promise<void>((resolve) => { const on = (st: { up: boolean }) => { if (st.up) { s.cards.off('service', on); resolve(); } }; s.cards.on('service', on); });
      process.kill(s.cards.pid!, 'SIGKILL');
      await up;
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(told, ['hidden', 'hidden']);

      await s.controller.setVisibility('visible');
      assert.deepEqual(told, ['hidden', 'hidden', 'visible']);
    } finally {
      s.cards.request = real;
    }
  });
});
