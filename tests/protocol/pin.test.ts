// The PIN contract: one well-formedness rule for the page's string and every process's bytes, its bounds in the
// PIN_FORMAT message in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpxError, errorMessage } from '../../protocol/errors.ts';
import { isPinWellFormed, PIN_BOUNDS, PIN_MAX, PIN_MIN, pinFormatError, submitRefusal } from '../../protocol/pin.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const digits = (n: number) => '1234567890'.repeat(2).slice(0, n);

test('a CPx PIN is 4 to 8 digits', () => {
  assert.equal(PIN_MIN, 4);
  assert.equal(PIN_MAX, 8);
});

test('well-formed: PIN_MIN to PIN_MAX ASCII digits, the same for a string and for bytes', () => {
  const cases: [string, boolean][] = [
    [digits(PIN_MIN), true], [digits(PIN_MAX), true], ['0000', true],
    [digits(PIN_MIN - 1), false], [digits(PIN_MAX + 1), false], ['', false],
    ['12a4', false], ['12 4', false], ['-123', false], ['12.4', false],
    // Digits of other scripts are not what a card's keypad sends.
    ['١٢٣٤', false], ['１２３４', false],
  ];
  for (const [pin, ok] of cases) {
    assert.equal(isPinWellFormed(pin), ok, `string ${JSON.stringify(pin)}`);
    assert.equal(isPinWellFormed(bytes(pin)), ok, `bytes of ${JSON.stringify(pin)}`);
  }
  // Bytes just outside '0'..'9' (the '/' and ':' neighbours) and a NUL are refused.
  assert.equal(isPinWellFormed(Uint8Array.from([0x31, 0x32, 0x33, 0x2f])), false);
  assert.equal(isPinWellFormed(Uint8Array.from([0x31, 0x32, 0x33, 0x3a])), false);
  assert.equal(isPinWellFormed(Uint8Array.from([0x31, 0x32, 0x33, 0x00])), false);
});

test('PIN_FORMAT says the bounds, in French and in English, and carries them as params', () => {
  const e = pinFormatError();
  assert.ok(e instanceof CpxError);
  assert.equal(e.code, 'PIN_FORMAT');
  assert.deepEqual({ ...e.params }, { min: PIN_MIN, max: PIN_MAX });
  assert.equal(e.toBody('fr').message, `Le code porteur doit comporter de ${PIN_MIN} à ${PIN_MAX} chiffres.`);
  assert.equal(e.toBody('en').message, `The PIN must be ${PIN_MIN} to ${PIN_MAX} digits.`);
  // The body crosses a process boundary with its params, so the other side renders the same sentence.
  const back = CpxError.fromBody(JSON.parse(JSON.stringify(e.toBody('fr'))));
  assert.equal(errorMessage(back.code, 'en', back.params), errorMessage('PIN_FORMAT', 'en', PIN_BOUNDS));
});

test('what a PIN prompt host refuses from its page, and why (the Electron dialog and the bridge share it)', () => {
  const asked = { pinpad: false, finalTry: false };
  const code = (e: CpxError | null) => e?.code ?? 'taken';
  assert.equal(code(submitRefusal(asked, '1234', false)), 'taken');
  assert.equal(code(submitRefusal(asked, new TextEncoder().encode('12345678'), false)), 'taken');
  assert.equal(code(submitRefusal(asked, '12a4', false)), 'PIN_FORMAT');
  assert.deepEqual(submitRefusal(asked, '123', false)?.params, PIN_BOUNDS);
  assert.equal(code(submitRefusal(null, '1234', false)), 'BAD_REQUEST', 'no question open');
  assert.equal(code(submitRefusal(asked, null, false)), 'BAD_REQUEST', 'no PIN at all');
  assert.equal(code(submitRefusal(asked, '1234', 'yes')), 'BAD_REQUEST', 'a confirmation that is not a boolean');
  assert.equal(code(submitRefusal({ pinpad: true, finalTry: false }, '', false)), 'taken');
  assert.equal(code(submitRefusal({ pinpad: true, finalTry: false }, '1234', false)), 'BAD_REQUEST', 'typed on the reader, not here');
  assert.equal(code(submitRefusal({ pinpad: false, finalTry: true }, '1234', false)), 'PIN_FINAL_TRY');
  assert.equal(code(submitRefusal({ pinpad: false, finalTry: true }, '1234', true)), 'taken');
});

test('the PIN management fields: the PUK is exactly 8 digits, a new PIN is a PIN, each checked in the host', () => {
  const code = (e: CpxError | null) => e?.code ?? 'taken';
  const puk = { pinpad: false, finalTry: false, field: 'puk' as const };
  assert.equal(code(submitRefusal(puk, '12345678', false)), 'taken');
  assert.equal(code(submitRefusal(puk, bytes('12345678'), false)), 'taken');
  for (const bad of ['1234', '1234567', '123456789', '1234567a']) assert.equal(code(submitRefusal(puk, bad, false)), 'PUK_FORMAT', bad);
  assert.match(submitRefusal(puk, '1234', false)!.toBody('fr').message, /comporte 8 chiffres/);
  for (const field of ['new-pin', 'new-pin-again'] as const) {
    assert.equal(code(submitRefusal({ pinpad: false, finalTry: false, field }, '2468', false)), 'taken');
    assert.equal(code(submitRefusal({ pinpad: false, finalTry: false, field }, '24', false)), 'PIN_FORMAT');
  }
  assert.equal(code(submitRefusal({ pinpad: true, finalTry: false, field: 'puk' }, '', false)), 'taken', 'typed on the reader');
});
