// A middleware that aborts kills only the card service process: the request in flight fails with
// SERVICE_CRASHED (the PIN is not re-sent), the host is told, and a fresh service works.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { errorCode, newNonce, pinBytes, startService, tokenVerifies, withTimeout, type Harness } from './harness.ts';

const ORIGIN = 'https://example.org';
let sim: Sim;
let svc: Harness;

before(async () => {
  sim = await makeSim({ readers: 1 });
  await sim.insert('cps-medecin', 0);
  svc = await startService(sim.env);
});
after(async () => {
  await svc?.close();
  await sim?.cleanup();
});

test('abort() in C_Sign: SERVICE_CRASHED, a service event, then a fresh process that signs', async () => {
  const firstPid = svc.client.pid;
  const logins = sim.counters().C_Login ?? 0;
  sim.injectFault('C_Sign', 'abort');
  const crashed = new Promise<void>((resolve) => svc.client.on('service', (s) => { if (s.crashed) resolve(); }));
  const code = await withTimeout(errorCode(svc.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234') })), 15_000, 'authenticate');
  assert.equal(code, 'SERVICE_CRASHED');
  await withTimeout(crashed, 5_000, 'service event');
  const down = svc.services.find((s) => s.crashed)!;
  assert.equal(down.up, false);
  assert.equal(down.exit?.signal, 'SIGABRT');
  assert.equal((sim.counters().C_Login ?? 0) - logins, 1, 'the PIN was used once and never re-sent');

  sim.injectFault('C_Sign', null);
  const up = new Promise<void>((resolve) => svc.client.on('service', (s) => { if (s.up) resolve(); }));
  await withTimeout(up, 15_000, 'restart');
  assert.notEqual(svc.client.pid, firstPid, 'a new process');
  const nonce = newNonce();
  const token = await withTimeout(svc.client.request('authenticate', { origin: ORIGIN, nonce, pin: pinBytes('1234') }), 15_000, 'authenticate after restart');
  assert.ok(tokenVerifies(token, ORIGIN, nonce));
});

test('a crash while reading (C_GetTokenInfo) is reported the same way; requests sent after it go to the new process', async () => {
  sim.injectFault('C_GetTokenInfo', 'abort');
  const code = await withTimeout(errorCode(svc.client.request('cards', {})), 15_000, 'cards');
  assert.equal(code, 'SERVICE_CRASHED');
  sim.injectFault('C_GetTokenInfo', null);
  const cards = await withTimeout(svc.client.request('cards', {}), 15_000, 'cards after crash');
  assert.equal(cards[0]!.holder!.surname, 'BERNARD');
});

test('a device error is DEVICE_ERROR, and the service keeps running', async () => {
  const pid = svc.client.pid;
  sim.injectFault('C_Sign', 'device_error');
  try {
    const code = await errorCode(svc.client.request('authenticate', { origin: ORIGIN, nonce: newNonce(), pin: pinBytes('1234') }));
    assert.equal(code, 'DEVICE_ERROR');
  } finally {
    sim.injectFault('C_Sign', null);
  }
  assert.equal(svc.client.pid, pid);
  assert.equal((await svc.client.request('cards', {})).length, 1);
});
