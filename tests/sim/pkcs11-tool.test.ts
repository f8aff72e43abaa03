// The simulator seen by a tool that is not the project's: OpenSC's pkcs11-tool, as an IT team would use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { makeSim, type ProvisionedCard, type Sim } from '../helpers/sim.ts';

describe('pkcs11-tool against the simulator', () => {
  let sim: Sim;
  let card: ProvisionedCard;
  const tool = (...args: string[]) => {
    const r = spawnSync('pkcs11-tool', ['--module', sim.module, ...args], { env: { ...process.env, ...sim.env } });
    return r.stdout.toString() + r.stderr.toString();
  };

  before(async () => {
    sim = await makeSim();
    card = await sim.insert('cps-medecin', 0);
  });
  after(() => sim.cleanup());

  it('lists the readers and the CPS3 card in the first one', () => {
    const out = tool('-L');
    assert.match(out, /CPx Link Simulated Reader \[CCID Interface\] 00 00/);
    assert.match(out, new RegExp(`token label\\s*: CPS3v3-${card.cardNumber}`));
    assert.match(out, /token model\s*: IAS ECC/);
    assert.match(out, /Slot 1 .*\n\s*\(empty\)/);
    assert.match(tool('-I'), /Manufacturer\s+CPx Link simulator/);
  });

  it('shows the public certificates, and the private keys after login', () => {
    assert.match(tool('-O'), /Certificat d'Authentification CPS/);
    const out = tool('--login', '--pin', '1234', '-O');
    assert.match(out, /label:\s+CPS_PRIV_AUT/);
    assert.match(out, /label:\s+CPS_PRIV_SIG/);
  });

  it('3 wrong PINs, then the right one is refused with CKR_PIN_LOCKED', () => {
    for (let i = 0; i < 3; i++) assert.match(tool('--login', '--pin', '0000', '-O'), /CKR_PIN_INCORRECT/);
    assert.match(tool('--login', '--pin', '1234', '-O'), /CKR_PIN_LOCKED/);
    assert.match(tool('-T'), /user PIN locked/);
  });

  it('after removal the token is gone', () => {
    sim.remove(0);
    const out = tool('-L');
    assert.doesNotMatch(out, /CPS3v3-/);
    assert.match(out, /Slot 0 .*\n\s*\(empty\)/);
  });
});
