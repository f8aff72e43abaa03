// The bridge's PIN broker checks what the PIN page sends with the one PIN rule (protocol/pin.ts) before it reaches
// the controller, and hands the controller bytes.
import { test } from 'node:test';
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
