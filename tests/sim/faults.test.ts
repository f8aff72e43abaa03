// A card that fails (CKR_DEVICE_ERROR), a middleware that crashes (abort() in a named function), and the
// card's own speed (configured latency).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { ckr, makeSim, type Sim } from '../helpers/sim.ts';

const CHILD = new URL('./fixtures/p11-child.mjs', import.meta.url).pathname;
const SHA256_RSA = { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS };

describe('faults and latency', () => {
  let sim: Sim;
  let p11: pkcs11js.PKCS11;
  let session: Buffer;
  let key: Buffer;
  let certificate: Buffer;

  const find = (template: pkcs11js.Template) => {
    p11.C_FindObjectsInit(session, template);
    const [handle] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    assert.ok(handle, 'object not found');
    return handle;
  };
  const sign = (data: Buffer) => {
    p11.C_SignInit(session, SHA256_RSA, key);
    return p11.C_Sign(session, data, Buffer.alloc(512));
  };
  const elapsedMs = (fn: () => unknown) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  before(async () => {
    sim = await makeSim();
    await sim.insert('cps-medecin', 0);
    p11 = sim.open();
    session = p11.C_OpenSession(p11.C_GetSlotList(true)[0]!, pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    key = find([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]);
    const cert = find([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }, { type: pkcs11js.CKA_LABEL, value: "Certificat d'Authentification CPS" }]);
    certificate = p11.C_GetAttributeValue(session, cert, [{ type: pkcs11js.CKA_VALUE }])[0]!.value as Buffer;
  });
  after(() => sim.cleanup());

  it('an injected device error fails that function until healed', () => {
    sim.injectFault('C_Sign', 'device_error');
    assert.equal(sim.status().faults.C_Sign, 'device_error');
    p11.C_SignInit(session, SHA256_RSA, key);
    assert.equal(ckr(() => p11.C_Sign(session, Buffer.from('x'), Buffer.alloc(512))), 'CKR_DEVICE_ERROR');
    sim.injectFault('C_Sign', null);
    // the failed C_Sign ended the operation, as on a card: the same session signs again
    const data = Buffer.from('after the fault');
    const signature = sign(data);
    assert.ok(verify('sha256', data, new X509Certificate(certificate).publicKey, signature));
  });

  it('an injected device error in C_Initialize makes the module unusable for a new process', () => {
    sim.injectFault('C_Initialize', 'device_error');
    const child = spawnSync(process.execPath, [CHILD, 'login', '1234'], { env: { ...process.env, ...sim.env } });
    sim.injectFault('C_Initialize', null);
    assert.notEqual(child.status, 0);
    assert.match(child.stderr.toString(), /CKR_DEVICE_ERROR/);
  });

  it('an injected abort kills only the process that reached the function', () => {
    sim.resetCounters();
    sim.injectFault('C_FindObjectsInit', 'abort');
    const child = spawnSync(process.execPath, [CHILD, 'call', 'C_FindObjectsInit'], { env: { ...process.env, ...sim.env } });
    assert.equal(child.signal, 'SIGABRT');
    assert.match(child.stderr.toString(), /injected abort in C_FindObjectsInit/);
    assert.equal(sim.counters().C_FindObjectsInit, 1); // counted by the child before it died
    // this process, which loaded the same module on the same state, goes on
    assert.equal(p11.C_GetTokenInfo(p11.C_GetSlotList(true)[0]!).model.trim(), 'IAS ECC');
    sim.injectFault('C_FindObjectsInit', null);
    assert.ok(find([{ type: pkcs11js.CKA_LABEL, value: 'CPS_PRIV_AUT' }]));
  });

  it('C_Login and C_Sign take at least the configured time (the card\'s speed), and 0 means none', () => {
    sim.setLatency({ loginMs: 200, signMs: 300 });
    assert.deepEqual({ ...sim.status().latency, pinpadMs: 0, pinpadTimeoutMs: 0 }, { loginMs: 200, signMs: 300, pinpadMs: 0, pinpadTimeoutMs: 0, detectMs: 0 });
    // lower bounds only: the simulator sleeps at least this long; how fast it is otherwise is bench/ business
    assert.ok(elapsedMs(() => sign(Buffer.from('slow card'))) >= 300);
    const s = p11.C_OpenSession(p11.C_GetSlotList(true)[0]!, pkcs11js.CKF_SERIAL_SESSION);
    assert.ok(elapsedMs(() => ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '1234'))) >= 200);
    sim.setLatency({ loginMs: 0, signMs: 0 });
    assert.equal(sign(Buffer.from('fast')).length, 256);
  });

  it('hashing stays on the host: C_Digest through the card gives SHA-256', () => {
    p11.C_DigestInit(session, { mechanism: pkcs11js.CKM_SHA256 });
    const digest = p11.C_Digest(session, Buffer.from('abc'), Buffer.alloc(32));
    assert.deepEqual(digest, createHash('sha256').update('abc').digest());
  });
});
