// The bridge's PIN broker checks what the PIN page sends with the one PIN rule (protocol/pin.ts) before it reaches
// the controller, and hands the controller bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PinBroker } from '../../bridge/pin-broker.ts';
import { CpxError } from '../../protocol/errors.ts';
import type { PinDialogRequest } from '../../protocol/ipc.ts';
import { PIN_MAX, PIN_MIN } from '../../protocol/pin.ts';

const request = (over: Partial<PinDialogRequest> = {}): PinDialogRequest => ({
  requester: { name: 'Service de test', origin: 'https://service.example' }, holder: { name: 'Jeanne Test', cardType: 'CPS', profession: 'Médecin', cardNumber: '2800000001' },
  triesLeft: 3, finalTry: false, pinpad: false, timeoutMs: 30_000, lang: 'fr', ...over,
});

/** Opens a dialog session the way the controller does, and lets the page fetch the question. */
async function opened(req: PinDialogRequest) {
  let session = '';
  const broker = new PinBroker((id) => { session = id; });
  const answer = broker.ask(req, new AbortController().signal);
  const shown = await broker.nextRequest(session, new AbortController().signal);
  assert.deepEqual(shown, req);
  return { broker, session, answer };
}

/** The code of the CpxError a refused submit throws (the page shows it and goes back to the field). */
function refusal(submit: () => void): string {
  try {
    submit();
  } catch (err) {
    assert.ok(err instanceof CpxError, String(err));
    return err.code;
  }
  return 'accepted';
}

test('a PIN outside the bounds or with a non-digit is refused as PIN_FORMAT; the question stays open', async () => {
  const { broker, session, answer } = await opened(request());
  for (const bad of ['1'.repeat(PIN_MIN - 1), '1'.repeat(PIN_MAX + 1), '12a4', '']) {
    assert.equal(refusal(() => broker.submit(session, bad, false)), 'PIN_FORMAT', bad);
  }
  assert.equal(refusal(() => broker.submit(session, 1234, false)), 'BAD_REQUEST', 'not a string');
  assert.equal(refusal(() => broker.submit('no-such-session', '1234', false)), 'BAD_REQUEST', 'no question asked there');
  assert.equal(broker.open, true);
  assert.equal(refusal(() => broker.submit(session, '1'.repeat(PIN_MAX), false)), 'accepted');
  const got = await answer;
  assert.deepEqual([...got!.pin], [...new TextEncoder().encode('1'.repeat(PIN_MAX))]);
  broker.close();
});

test('on a PIN pad only an empty PIN is accepted; the final try needs the confirmation', async () => {
  const pad = await opened(request({ pinpad: true }));
  assert.equal(refusal(() => pad.broker.submit(pad.session, '1234', false)), 'BAD_REQUEST');
  assert.equal(refusal(() => pad.broker.submit(pad.session, '', false)), 'accepted');
  assert.equal((await pad.answer)!.pin.length, 0);
  pad.broker.close();

  const last = await opened(request({ triesLeft: 1, finalTry: true }));
  assert.equal(refusal(() => last.broker.submit(last.session, '1234', false)), 'PIN_FINAL_TRY');
  assert.equal(refusal(() => last.broker.submit(last.session, '1234', true)), 'accepted');
  assert.equal((await last.answer)!.confirmFinalTry, true);
  last.broker.close();
});

// A kept window (bridge --keep-pin-window, as the Electron shell keeps its PIN window ready): opened once, reset between
// operations — the page reloads, nothing of the last question survives — and reused for the next question.
describe('a kept PIN window', () => {
  const noAbort = () => new AbortController().signal;
  function keptBroker() {
    const opened: string[] = [];
    const broker = new PinBroker((id) => { opened.push(id); }, { keepWindow: true });
    return { broker, opened };
  }

  test('two operations in a row go through one window: reset after the first, the second question in the same session', async () => {
    const { broker, opened } = keptBroker();
    broker.prepare();
    assert.equal(opened.length, 1);
    const session = opened[0]!;
    const first = broker.ask(request(), noAbort());
    assert.deepEqual(await broker.nextRequest(session, noAbort()), request());
    const watching = broker.whenClosed(session, noAbort());
    broker.submit(session, '1234', false);
    assert.deepEqual([...(await first)!.pin], [...new TextEncoder().encode('1234')]);
    // The page waits for what comes next; the operation ends: the page is told to start afresh, not to close.
    const waiting = broker.nextRequest(session, noAbort());
    broker.close();
    assert.equal(await waiting, 'reset');
    assert.equal(await watching, 'reset');
    assert.equal(broker.open, true, 'the window stays');
    // An answer sent after the reset reaches nobody: no question is open in the window any more.
    assert.equal(refusal(() => broker.submit(session, '1234', false)), 'BAD_REQUEST');

    // The next operation: no new window, its question in the reloaded page.
    broker.prepare();
    const second = broker.ask(request({ triesLeft: 2 }), noAbort());
    assert.equal(opened.length, 1, 'no second window');
    assert.deepEqual(await broker.nextRequest(session, noAbort()), request({ triesLeft: 2 }));
    broker.submit(session, '5678', false);
    assert.deepEqual([...(await second)!.pin], [...new TextEncoder().encode('5678')]);
    broker.close();
    broker.shutdown();
    assert.equal(broker.open, false);
    assert.equal(await broker.nextRequest(session, noAbort()), 'closed');
  });

  test('a cancel answers the question null and keeps the window for the next operation', async () => {
    const { broker, opened } = keptBroker();
    const asked = broker.ask(request(), noAbort());
    const session = opened[0]!;
    await broker.nextRequest(session, noAbort());
    assert.equal(broker.cancel(session), true);
    assert.equal(await asked, null);
    broker.close();
    const next = broker.ask(request(), noAbort());
    assert.deepEqual(await broker.nextRequest(session, noAbort()), request());
    assert.equal(opened.length, 1);
    broker.submit(session, '1234', false);
    assert.ok(await next);
    broker.shutdown();
  });

  test('a window the user closed between operations is opened again, with a new session, and cancels nothing', async () => {
    const { broker, opened } = keptBroker();
    broker.prepare();
    broker.close();
    const old = opened[0]!;
    // The page goes away (its window closed) while no operation runs.
    broker.cancel(old, true);
    assert.equal(broker.open, false);
    const asked = broker.ask(request(), noAbort());
    assert.equal(opened.length, 2, 'a new window');
    const fresh = opened[1]!;
    assert.notEqual(fresh, old);
    assert.equal(await broker.nextRequest(old, noAbort()), 'closed', 'the old session takes no question');
    assert.deepEqual(await broker.nextRequest(fresh, noAbort()), request());
    broker.submit(fresh, '1234', false);
    assert.ok(await asked, 'answered, not cancelled by the earlier close');
    broker.shutdown();
  });

  test('an operation aborted while its question shows resets the window', async () => {
    const { broker, opened } = keptBroker();
    const abort = new AbortController();
    const asked = broker.ask(request(), abort.signal);
    const session = opened[0]!;
    await broker.nextRequest(session, noAbort());
    const watching = broker.whenClosed(session, noAbort());
    abort.abort();
    assert.equal(await asked, null);
    assert.equal(await watching, 'reset');
    assert.equal(broker.open, true);
    broker.shutdown();
  });
});
