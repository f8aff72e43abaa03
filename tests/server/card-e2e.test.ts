// End to end with a simulated card: the token comes from `cpx-link authenticate` (the card layer's CLI, through
// PKCS#11 and the simulator), exactly as the outside relying-party check obtains it, and goes to the service.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { makeSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { startHarness } from './harness.ts';
import type { Harness } from './harness.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/cpx-link.mjs', import.meta.url));

function authenticate(env: Record<string, string>, origin: string, nonce: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'authenticate', '--origin', origin, '--nonce', nonce, '--pin-stdin', '--json'],
      { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    child.on('close', (code) => {
      try { resolve(JSON.parse(out)); } catch { reject(new Error(`cpx-link authenticate exited ${code}: ${out.slice(0, 200)} ${err.slice(0, 300)}`)); }
    });
    child.stdin.end('1234\n');
  });
}

describe('service with tokens from a simulated card through the CLI', () => {
  let sim: Sim;
  let h: Harness;
  /** A fresh challenge signed by the simulated card: the token and the nonce it answers. */
  const cardProof = async () => {
    const nonce = await h.challenge();
    return { token: await authenticate(sim.env, h.server.origin, nonce), nonce };
  };

  before(async () => {
    sim = await makeSim({ readers: 1 });
    h = await startHarness('pglite');
  });
  after(async () => {
    await h?.cleanup();
    await sim?.cleanup();
  });

  it('links a CPE to demo.etab, logs in with it and shows the FINESS/internal id', async () => {
    await sim.insert('cpe');
    const link = await h.post('/api/cards/link', { ...await cardProof(), username: 'demo.etab', password: 'Demo-CPx-2026!' });
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const login = await h.post('/api/auth/card-login', await cardProof());
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const me = await h.get('/api/me', { authorization: `Bearer ${login.body.session}` });
    assert.deepEqual(me.body.nationalIds, [{ label: 'FINESS/identifiant interne', value: '3330999996/CPET00001', type: 'FINESS' }]);
  });

  it('creates an independent doctor account from a doctor\'s CPS', async () => {
    await sim.insert('cps-medecin');
    const r = await h.post('/api/accounts/independent-doctor', { ...await cardProof(),
      profile: { email: 'lucie.bernard@example.org', postalCode: '33000', city: 'Bordeaux', mobile: '0612345678' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.account.kind, 'independent-doctor');
    assert.deepEqual(r.body.account.nationalIds.map((l: { label: string }) => l.label), ['RPPS']);
  });
});
