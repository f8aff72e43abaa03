// The bridge's PIN broker checks what the PIN page sends with the one PIN rule (protocol/pin.ts) before it reaches
// the controller, and hands the controller bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PinBroker } from '../../bridge/pin-broker.ts';
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

test('a PIN outside the bounds or with a non-digit is refused as malformed; the question stays open', async () => {
  const { broker, session, answer } = await opened(request());
  for (const bad of ['1'.repeat(PIN_MIN - 1), '1'.repeat(PIN_MAX + 1), '12a4', '', 1234]) {
    assert.equal(broker.submit(session, bad, false), 'malformed', String(bad));
  }
  assert.equal(broker.open, true);
  assert.equal(broker.submit(session, '1'.repeat(PIN_MAX), false), 'ok');
  const got = await answer;
  assert.deepEqual([...got!.pin], [...new TextEncoder().encode('1'.repeat(PIN_MAX))]);
  broker.close();
});

test('on a PIN pad only an empty PIN is accepted; the final try needs the confirmation', async () => {
  const pad = await opened(request({ pinpad: true }));
  assert.equal(pad.broker.submit(pad.session, '1234', false), 'malformed');
  assert.equal(pad.broker.submit(pad.session, '', false), 'ok');
  assert.equal((await pad.answer)!.pin.length, 0);
  pad.broker.close();

  const last = await opened(request({ triesLeft: 1, finalTry: true }));
  assert.equal(last.broker.submit(last.session, '1234', false), 'malformed');
  assert.equal(last.broker.submit(last.session, '1234', true), 'ok');
  assert.equal((await last.answer)!.confirmFinalTry, true);
  last.broker.close();
});
