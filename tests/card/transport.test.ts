// The fork transport reports a card service that could not even start (a wrong Node executable, as a bad
// CPX_CARD_SERVICE_NODE would give) as gone, so the client does not wait forever for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forkTransport } from '../../native/service/transport.ts';
import { withTimeout } from './harness.ts';

test('a Node executable that does not exist: the process is reported gone, once', async () => {
  const proc = forkTransport({ execPath: '/nonexistent/cpx-link/node', output: () => {} }).start({});
  let calls = 0;
  const gone = await withTimeout(new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    proc.onExit((info) => { calls++; resolve(info); });
  }), 10_000, 'exit report');
  assert.equal(proc.pid, undefined);
  // Node reports the failed spawn as an exit (ENOENT's -2) or only as an error (then null): never as a success.
  assert.notEqual(gone.code, 0);
  assert.equal(gone.signal, null);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, 1);
  assert.throws(() => proc.send({ seq: 1, method: 'state', params: {} }), /channel closed/);
});
