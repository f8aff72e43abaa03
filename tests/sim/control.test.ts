// The control library's own contract: an idempotent state directory, the files the module reads, and the
// mistakes it refuses before they reach a reader.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as control from '../../native/sim/control.ts';

describe('control library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-sim-control-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('initState gives SoftHSM2 a private configuration and keeps what was set on a second call', () => {
    control.initState(dir, { readers: 3, loginMs: 0 });
    const conf = readFileSync(control.softhsmConfPath(dir), 'utf8');
    assert.match(conf, new RegExp(`directories.tokendir = ${join(dir, 'tokens')}`));
    control.setLatency(dir, { signMs: 7, pinpadTimeoutMs: 99 });
    control.initState(dir);
    const s = control.status(dir);
    assert.equal(s.readers.length, 3);
    assert.deepEqual(s.latency, { loginMs: 0, signMs: 7, pinpadMs: 500, pinpadTimeoutMs: 99, detectMs: 0 });
    assert.deepEqual(s.readers.map((r) => r.name), [0, 1, 2].map((i) => `CPx Link Simulated Reader [CCID Interface] 00 0${i}`));
  });

  it('insert and remove a card; each insertion is a new one, even of the same card', () => {
    control.insertCard(dir, 2, 'a1b2c3', 'card-1');
    const first = control.status(dir).readers[2]!.card!;
    assert.deepEqual({ ...first, insertion: '' }, { tokenSerial: 'a1b2c3', cardId: 'card-1', insertion: '', triesLeft: 3, pukTriesLeft: 3 });
    assert.deepEqual(control.removeCard(dir, 2), { tokenSerial: 'a1b2c3' });
    assert.equal(control.removeCard(dir, 2), null);
    control.insertCard(dir, 2, 'a1b2c3', 'card-1');
    assert.notEqual(control.status(dir).readers[2]!.card!.insertion, first.insertion);
    assert.deepEqual(readdirSync(join(dir, 'readers')), ['2.card']); // no temporary file left behind
  });

  it('refuses what would reach no reader or break the files', () => {
    assert.throws(() => control.insertCard(dir, 3, 'a1b2c3', 'card-1'), /no reader 3/);
    assert.throws(() => control.insertCard(dir, 0, 'not hex', 'card-1'), /serial/);
    assert.throws(() => control.insertCard(dir, 0, 'a1b2c3', 'card\n1'), /card id/);
    assert.throws(() => control.injectFault(dir, 'rm -rf', 'abort'), /function/);
    assert.throws(() => control.setLatency(dir, { loginMs: -1 }), /loginMs/);
    assert.throws(() => control.hideMechanisms(dir, ['CKM_NOPE']), /unknown mechanism/);
    assert.throws(() => control.typeOnPinpad(dir, 0, '12\n34'), /PIN pad/);
  });

  it('PIN counters, PIN pad, faults and hidden mechanisms show in the status', () => {
    control.resetPinCounter(dir, 'card-1', 1);
    control.setPinpad(dir, 1, true);
    control.typeOnPinpad(dir, 1, '1234');
    control.injectFault(dir, 'C_Sign', 'device_error');
    control.hideMechanisms(dir, ['CKM_SHA256_RSA_PKCS', 1]);
    const s = control.status(dir);
    assert.equal(s.pinCounters['card-1'], 1);
    assert.equal(s.readers[2]!.card!.triesLeft, 1);
    assert.deepEqual(s.readers.map((r) => [r.pinpad, r.pinTyped]), [[false, false], [true, true], [false, false]]);
    assert.deepEqual(s.faults, { C_Sign: 'device_error' });
    assert.deepEqual(s.hiddenMechanisms, [0x40, 1]);
    control.injectFault(dir, 'C_Sign', null);
    control.typeOnPinpad(dir, 1, null);
    control.setPinpad(dir, 1, false);
    control.hideMechanisms(dir, []);
    const healed = control.status(dir);
    assert.deepEqual(healed.faults, {});
    assert.deepEqual(healed.hiddenMechanisms, []);
    assert.deepEqual(healed.readers.map((r) => r.pinpad || r.pinTyped), [false, false, false]);
  });

  it('simEnv names the module, the state, its SoftHSM2 configuration and the test PKI files', () => {
    const env = control.simEnv(dir);
    assert.equal(env.CPX_PKCS11_MODULE, control.modulePath());
    assert.equal(env.CPX_SIM_STATE, dir);
    assert.equal(env.SOFTHSM2_CONF, control.softhsmConfPath(dir));
    assert.match(env.CPX_TEST_TRUST!, /trust\.pem$/);
    assert.match(env.CPX_TEST_CRL!, /crl\.der$/);
    assert.deepEqual(control.readCounters(dir), {}); // nothing loaded the module on this state yet
  });
});
