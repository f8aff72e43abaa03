// `cpx-link verify-token` is an integrator's tool: a genuine Web eID token from another country's eID card (EC P-256,
// ES256, an Estonian-style subject, as /work/shared/checks/F-dead-ends builds it) that chains to --trust is valid,
// with "holder": null; --require-cpx keeps the account service's rule and refuses it with CARD_NOT_RECOGNISED.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../cli/main.ts';
import { ExitClass } from '../../protocol/errors.ts';
import { EKU_CLIENT_AUTH, SUBJECTS, makeCa, makeKey, makeLeaf, makeToken, randomNonce } from './pki-fixture.ts';
import { tempDir } from './helpers.ts';

const ORIGIN = 'https://example.org';
const tmp = tempDir('verify-token-webeid');
after(() => tmp.cleanup());
const nonce = randomNonce();
const files = { trust: tmp.path('ee-root.pem'), eid: tmp.path('eid.json'), cps: tmp.path('cps.json') };

before(async () => {
  const root = await makeCa({ name: 'C=EE, O=Check, CN=Check Root', key: await makeKey('ec256') });
  const key = await makeKey('ec256');
  const eid = await makeLeaf(root, {
    subject: [{ C: ['EE'] }, { SN: ['TAMM'] }, { '2.5.4.42': ['MARI'] }, { CN: ['TAMM,MARI,38001085718'] }],
    key, eku: [EKU_CLIENT_AUTH],
  });
  const cps = await makeLeaf(root, { subject: SUBJECTS.medecin, key, cardType: 0 });
  writeFileSync(files.trust, root.pem);
  writeFileSync(files.eid, JSON.stringify(makeToken(eid, ORIGIN, nonce, 'ES256')));
  writeFileSync(files.cps, JSON.stringify(makeToken(cps, ORIGIN, nonce, 'ES256')));
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => { out += String(d); });
  const code = await main(['verify-token', ...args], { stdout, stderr: new PassThrough(), stdin: Readable.from([]), env: {} });
  return { code, out };
}
const args = (token: string) => ['--token', token, '--origin', ORIGIN, '--nonce', nonce, '--trust', files.trust, '--revocation', 'off'];

test('a non-CPx Web eID token under the anchor is valid, holder null; the same command through the bin', async () => {
  const r = await cli([...args(files.eid), '--json']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(r.out);
  assert.equal(j.valid, true);
  assert.equal(j.holder, null);
  assert.equal(j.cardType, null);
  assert.equal(j.algorithm, 'ES256');
  assert.match(j.subject, /C=EE/);
  const bin = fileURLToPath(new URL('../../cli/bin/cpx-link.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'verify-token', ...args(files.eid), '--json']);
  assert.equal(JSON.parse(stdout).valid, true);
});

test('--require-cpx refuses it as the account service does: CARD_NOT_RECOGNISED, exit class card', async () => {
  const r = await cli([...args(files.eid), '--require-cpx', '--json']);
  assert.equal(r.code, ExitClass.card);
  assert.deepEqual(JSON.parse(r.out), { valid: false, error: { code: 'CARD_NOT_RECOGNISED', message: "Cette carte n'est pas reconnue comme une carte CPx." } });
  const cps = await cli([...args(files.cps), '--require-cpx', '--json']);
  assert.equal(JSON.parse(cps.out).holder.nationalId.type, 'RPPS', 'a CPx token passes with the flag');
});

test('human output says there is no CPx holder rather than printing empty lines', async () => {
  const fr = await cli(args(files.eid));
  assert.equal(fr.code, 0);
  assert.match(fr.out, /^Jeton valide\.\nTitulaire : aucun titulaire CPx/);
  assert.doesNotMatch(fr.out, /Identifiant national|Type de carte/);
  const en = await cli([...args(files.eid), '--lang', 'en']);
  assert.match(en.out, /^Valid token\.\nHolder: no CPx holder/);
  const cps = await cli(args(files.cps));
  assert.match(cps.out, /Titulaire : DONNAT-GADY ISABELLE\n.*\nIdentifiant national : RPPS: 810002813839\nType de carte : CPS/);
});
