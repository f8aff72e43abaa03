// Provisioned cards seen THROUGH THE SIMULATOR (pkcs11js on libcpxsim.so): token label, the objects Cryptolib CPS
// shows with their labels, certificate/key pairing by CKA_ID, keys that sign what the certificate verifies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import pkcs11js from 'pkcs11js';
import * as asn1js from 'asn1js';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { ensurePki, type TestPki } from '../../native/sim/pki/index.ts';
import { PROFILES } from '../../native/sim/profiles.ts';
import { OBJECT_LABELS, deleteToken } from '../../native/sim/provision.ts';
import { softhsmConfPath } from '../../native/sim/control.ts';
import { x509 } from '../../native/sim/pki/x509.ts';

type P11 = pkcs11js.PKCS11;
interface Obj { handle: Buffer; cls: number; label: string }

function objects(p11: P11, session: Buffer): Obj[] {
  p11.C_FindObjectsInit(session, []);
  const handles = p11.C_FindObjects(session, 100);
  p11.C_FindObjectsFinal(session);
  return handles.map((handle) => {
    const [cls, label] = p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_CLASS }, { type: pkcs11js.CKA_LABEL }]);
    return { handle, cls: (cls!.value as Buffer).readUInt32LE(0), label: (label!.value as Buffer).toString('utf8') };
  });
}

function attr(p11: P11, session: Buffer, handle: Buffer, type: number): Buffer {
  return p11.C_GetAttributeValue(session, handle, [{ type }])[0]!.value as Buffer;
}

const bool = (b: Buffer) => b[0] === 1;

function byLabel(list: Obj[], cls: number, label: string): Obj {
  const found = list.filter((o) => o.cls === cls && o.label === label);
  assert.equal(found.length, 1, `exactly one ${label}`);
  return found[0]!;
}

/** The slot of the reader (slot list without a token = one per reader, in order). */
const readerSlot = (p11: P11, reader: number) => p11.C_GetSlotList(false)[reader]!;

describe('provisioned cards through the simulator', () => {
  let sim: Sim;
  let p11: P11;
  let pki: TestPki;

  before(async () => {
    pki = await ensurePki();
    sim = await makeSim({ readers: 2 });
    p11 = sim.open();
  });
  after(() => sim.cleanup());

  it('cps-medecin: label CPS3v3-<card number>, public objects before login, key pairs by CKA_ID after', async () => {
    const card = await sim.insert('cps-medecin', 0);
    const profile = PROFILES['cps-medecin']!;
    assert.equal(card.cardNumber, profile.cardNumber);
    const slot = readerSlot(p11, 0);
    const token = p11.C_GetTokenInfo(slot);
    assert.equal(token.label, `CPS3v3-${profile.cardNumber}`.padEnd(32, ' '));
    assert.equal(token.serialNumber.trim(), card.tokenSerial);
    assert.ok(token.flags & pkcs11js.CKF_USER_PIN_INITIALIZED);

    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    const pub = objects(p11, session);
    assert.ok(!pub.some((o) => o.cls === pkcs11js.CKO_PRIVATE_KEY), 'private keys hidden before login');
    for (const label of ['CPS_INFO_PS', 'CPS_DATA', 'CPS_ID_CARD', 'CPS_NAME_PS']) byLabel(pub, pkcs11js.CKO_DATA, label);
    assert.ok(!pub.some((o) => o.label === 'CPS_ACTIVITY_01_PS'), 'PIN-protected data object hidden before login');

    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    const all = objects(p11, session);
    byLabel(all, pkcs11js.CKO_DATA, 'CPS_ACTIVITY_01_PS');
    const ids: Record<string, Buffer> = {};
    for (const role of ['authentication', 'signature'] as const) {
      const labels = OBJECT_LABELS[role];
      const cert = byLabel(all, pkcs11js.CKO_CERTIFICATE, labels.certificate);
      const key = byLabel(all, pkcs11js.CKO_PRIVATE_KEY, labels.privateKey);
      const certId = attr(p11, session, cert.handle, pkcs11js.CKA_ID);
      assert.deepEqual(attr(p11, session, key.handle, pkcs11js.CKA_ID), certId, `${role}: key and certificate share CKA_ID`);
      ids[role] = certId;

      const der = attr(p11, session, cert.handle, pkcs11js.CKA_VALUE);
      const leaf = pki.card('cps-medecin')[role]!;
      assert.deepEqual(new Uint8Array(der), leaf.certificate, `${role}: the PKI's certificate`);
      assert.equal(attr(p11, session, cert.handle, pkcs11js.CKA_CERTIFICATE_TYPE).readUInt32LE(0), pkcs11js.CKC_X_509);
      assert.equal(bool(attr(p11, session, cert.handle, pkcs11js.CKA_PRIVATE)), false);
      const parsed = new x509.X509Certificate(der);
      assert.deepEqual(attr(p11, session, cert.handle, pkcs11js.CKA_SUBJECT), Buffer.from(parsed.subjectName.toArrayBuffer()));
      assert.deepEqual(attr(p11, session, cert.handle, pkcs11js.CKA_ISSUER), Buffer.from(parsed.issuerName.toArrayBuffer()));
      const serial = asn1js.fromBER(new Uint8Array(attr(p11, session, cert.handle, pkcs11js.CKA_SERIAL_NUMBER))).result as asn1js.Integer;
      assert.equal(BigInt(`0x${leaf.serialNumber}`), serial.toBigInt());

      assert.equal(bool(attr(p11, session, key.handle, pkcs11js.CKA_SENSITIVE)), true);
      assert.equal(bool(attr(p11, session, key.handle, pkcs11js.CKA_EXTRACTABLE)), false);
      assert.equal(bool(attr(p11, session, key.handle, pkcs11js.CKA_PRIVATE)), true);
      assert.equal(bool(attr(p11, session, key.handle, pkcs11js.CKA_SIGN)), true);

      // The key on the card is the certificate's key: its signature verifies with the certificate.
      const message = Buffer.from(`CPx ${role}`);
      p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key.handle);
      const signature = p11.C_Sign(session, message, Buffer.alloc(256));
      assert.ok(verify('sha256', message, new X509Certificate(der).publicKey, signature), `${role}: signature verifies`);
    }
    assert.notDeepEqual(ids.authentication, ids.signature);
    p11.C_Logout(session);
    p11.C_CloseSession(session);
  });

  it('CPS_INFO_PS holds the holder as BER-TLV (national id, names)', async () => {
    await sim.insert('cps-accents', 1);
    const session = p11.C_OpenSession(readerSlot(p11, 1), pkcs11js.CKF_SERIAL_SESSION);
    const info = byLabel(objects(p11, session), pkcs11js.CKO_DATA, 'CPS_INFO_PS');
    const value = new Uint8Array(attr(p11, session, info.handle, pkcs11js.CKA_VALUE));
    const texts: string[] = [];
    for (let offset = 0; offset < value.length;) {
      const parsed = asn1js.fromBER(value.subarray(offset));
      assert.notEqual(parsed.offset, -1, 'valid BER');
      texts.push(Buffer.from((parsed.result as asn1js.Primitive).valueBlock.valueHexView).toString('utf8'));
      offset += parsed.offset;
    }
    const profile = PROFILES['cps-accents']!;
    assert.deepEqual(texts.slice(0, 3), [profile.nationalId, 'DUPONT-LÉGER', 'HÉLÈNE-ÉLODIE']);
    p11.C_CloseSession(session);
  });

  it('sign-only: a signature pair and no authentication certificate or key', async () => {
    await sim.insert('sign-only', 0);
    const session = p11.C_OpenSession(readerSlot(p11, 0), pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, '1234');
    const all = objects(p11, session);
    byLabel(all, pkcs11js.CKO_CERTIFICATE, OBJECT_LABELS.signature.certificate);
    byLabel(all, pkcs11js.CKO_PRIVATE_KEY, OBJECT_LABELS.signature.privateKey);
    assert.ok(!all.some((o) => o.label === OBJECT_LABELS.authentication.certificate || o.label === OBJECT_LABELS.authentication.privateKey));
    p11.C_CloseSession(session);
  });

  it('every insert is a fresh token of the same card (same card number and certificates, 3 PIN tries)', async () => {
    const first = await sim.insert('cpe', 0);
    const second = await sim.insert('cpe', 0);
    assert.notEqual(first.tokenSerial, second.tokenSerial);
    assert.notEqual(first.cardId, second.cardId);
    assert.equal(first.cardNumber, second.cardNumber);
    assert.equal(first.label, second.label);
    const status = sim.status();
    assert.equal(status.readers[0]!.card?.tokenSerial, second.tokenSerial);
    assert.equal(status.readers[0]!.card?.triesLeft, 3);
    const session = p11.C_OpenSession(readerSlot(p11, 0), pkcs11js.CKF_SERIAL_SESSION);
    const cert = byLabel(objects(p11, session), pkcs11js.CKO_CERTIFICATE, OBJECT_LABELS.authentication.certificate);
    const der = attr(p11, session, cert.handle, pkcs11js.CKA_VALUE);
    assert.equal(createHash('sha256').update(der).digest('hex'),
      createHash('sha256').update(pki.card('cpe').authentication!.certificate).digest('hex'));
    p11.C_CloseSession(session);
  });

  it('deleteToken removes the token from SoftHSM\'s token directory', async () => {
    const card = await sim.insert('cpa', 1);
    sim.remove(1);
    const env = { ...process.env, SOFTHSM2_CONF: softhsmConfPath(sim.dir) };
    const show = () => execFileSync('softhsm2-util', ['--show-slots'], { env, encoding: 'utf8' });
    assert.ok(show().includes(card.tokenSerial));
    await deleteToken(sim.dir, card.tokenSerial);
    assert.ok(!show().includes(card.tokenSerial));
    await deleteToken(sim.dir, card.tokenSerial); // already gone: not an error
  });

  it('an unknown profile is refused before anything is created', async () => {
    await assert.rejects(sim.insert('cps-astronaute', 0), /cps-medecin/);
  });
});
