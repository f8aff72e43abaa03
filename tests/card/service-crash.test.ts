// A middleware that aborts kills only the card service process: the request in flight fails with
// SERVICE_CRASHED (the PIN is not re-sent), the host is told, and a fresh service works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, newNonce, pinBytes, tokenVerifies, withTimeout, useSimulatedService } from './harness.ts';

const ORIGIN = 'https://example.org';
const fx = useSimulatedService({ card: 'cps-medecin' });

test('abort() in C_Sign: SERVICE_CRASHED, a service event, then a fresh process that signs', async () => {
  const firstPid = fx.svc.client.pid;
  const logins = fx.sim.counters().C_Login ?? 0;
  fx.sim.injectFault('C_Sign', 'abort');
  const crashed = new Promise<void>((resolve) => fx.svc.client.on('service', (s) => { if (s.crashed) resolve(); }));
  const code = await withTimeout(errorCode(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234') })), 15_000, 'authenticate');
  assert.equal(code, 'SERVICE_CRASHED');
  await withTimeout(crashed, 5_000, 'service event');
  const down = fx.svc.services.find((s) => s.crashed)!;
  assert.equal(down.up, false);
  assert.equal(down.exit?.signal, 'SIGABRT');
  assert.equal((fx.sim.counters().C_Login ?? 0) - logins, 1, 'the PIN was used once and never re-sent');

  fx.sim.injectFault('C_Sign', null);
  const up = new Promise<void>((resolve) => fx.svc.client.on('service', (s) => { if (s.up) resolve(); }));
  await withTimeout(up, 15_000, 'restart');
  assert.notEqual(fx.svc.client.pid, firstPid, 'a new process');
  const nonce = newNonce();
  const token = await withTimeout(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234') }), 15_000, 'authenticate after restart');
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
});

test('a crash while reading (C_GetTokenInfo) is reported the same way; requests sent after it go to the new process', async () => {
  fx.sim.injectFault('C_GetTokenInfo', 'abort');
  const code = await withTimeout(errorCode(fx.svc.client.request('cards', {})), 15_000, 'cards');
  assert.equal(code, 'SERVICE_CRASHED');
  fx.sim.injectFault('C_GetTokenInfo', null);
  const cards = await withTimeout(fx.svc.client.request('cards', {}), 15_000, 'cards after crash');
  assert.equal(cards[0]!.holder!.surname, 'BERNARD');
});

test('a device error is DEVICE_ERROR, and the service keeps running', async () => {
  const pid = fx.svc.client.pid;
  fx.sim.injectFault('C_Sign', 'device_error');
  try {
    const code = await errorCode(fx.svc.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234') }));
    assert.equal(code, 'DEVICE_ERROR');
  } finally {
    fx.sim.injectFault('C_Sign', null);
  }
  assert.equal(fx.svc.client.pid, pid);
  assert.equal((await fx.svc.client.request('cards', {})).length, 1);
});
