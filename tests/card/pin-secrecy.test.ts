// The PIN never leaves the request: not in errors, not in the service's logs (debug level, stdout and stderr
// captured), and the bytes the host sent are zeroed once the request is on its way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newNonce, pinBytes, withTimeout, useSimulatedService } from './harness.ts';

// Distinctive PINs: digit strings that appear nowhere else (certificates, serials, nonces are checked below).
const WRONG = ['86420975', '7531'];
const fx = useSimulatedService({ card: 'cps-medecin' });

test('wrong PINs, a final-try refusal and a bad origin: no PIN in any error or log line', async () => {
  const seen: string[] = [];
  for (const pin of WRONG) {
    const bytes = pinBytes(pin);
    const p = fx.svc.client.request('authenticate', { origin: 'https://example.org', nonce: newNonce(), pin: bytes });
    assert.ok(bytes.every((b) => b === 0), 'the host’s copy is zeroed once sent');
    const err = await withTimeout(p.catch((e) => e), 10_000, 'authenticate');
    seen.push(JSON.stringify({ message: err.message, params: err.params, code: err.code }), String(err.stack));
  }
  const refused = await fx.svc.client.request('authenticate', { origin: 'https://example.org', nonce: newNonce(), pin: pinBytes(WRONG[0]!) }).catch((e) => e);
  assert.equal(refused.code, 'PIN_FINAL_TRY');
  const badOrigin = await fx.svc.client.request('authenticate', { origin: 'ftp://x', nonce: newNonce(), pin: pinBytes(WRONG[1]!) }).catch((e) => e);
  assert.equal(badOrigin.code, 'INVALID_ORIGIN');
  seen.push(JSON.stringify(refused.toBody()), JSON.stringify(badOrigin.toBody()), JSON.stringify(fx.svc.states));
  const text = seen.join('\n') + fx.svc.output();
  for (const pin of WRONG) assert.ok(!text.includes(pin), `PIN ${pin} found in: ${text.slice(0, 500)}`);
  assert.ok(fx.svc.output().length > 0, 'the debug log was captured (the check above is not vacuous)');
});
