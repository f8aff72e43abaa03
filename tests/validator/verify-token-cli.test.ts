// `cpx-link verify-token`: the JSON contract, exit classes, French/English text, option forms. Mostly through the
// CLI's main() in-process (same code path as the bin), once through the real bin in a child process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../cli/main.ts';
import { parseVerifyTokenArgs } from '../../cli/commands/verify-token.ts';
import { CpxError } from '../../protocol/errors.ts';
import { SUBJECTS, makeChain, makeCrl, makeKey, makeLeaf, makeToken, randomNonce, type TestCert } from './pki-fixture.ts';
import { tempDir } from './helpers.ts';

const ORIGIN = 'https://example.org';
const tmp = tempDir('verify-token-cli');
after(() => tmp.cleanup());
const nonce = randomNonce();
let files: { trust: string; root: string; intermediate: string; intermediateDer: string; crl: string; valid: string; revoked: string };
let leaf: TestCert;

before(async () => {
  const { root, intermediate } = await makeChain();
  const key = await makeKey('rsa2048');
  leaf = await makeLeaf(intermediate, { subject: SUBJECTS.medecin, key, cardType: 0 });
  const revoked = await makeLeaf(intermediate, { subject: SUBJECTS.cpe, key, cardType: 2 });
  files = {
    trust: tmp.path('trust.pem'), root: tmp.path('root.pem'), intermediate: tmp.path('intermediate.pem'),
    intermediateDer: tmp.path('intermediate.der'), crl: tmp.path('ca.crl'), valid: tmp.path('valid.json'), revoked: tmp.path('revoked.json'),
  };
  writeFileSync(files.trust, root.pem + intermediate.pem);
  writeFileSync(files.root, root.pem);
  writeFileSync(files.intermediate, intermediate.pem);
  writeFileSync(files.intermediateDer, intermediate.der);
  writeFileSync(files.crl, await makeCrl(intermediate, { revoked: [{ serial: revoked.serial }] }));
  writeFileSync(files.valid, `${JSON.stringify(makeToken(leaf, ORIGIN, nonce))}\n`);
  writeFileSync(files.revoked, JSON.stringify(makeToken(revoked, ORIGIN, nonce)));
});

async function cli(args: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await main(['verify-token', ...args], { stdout, stderr, stdin: Readable.from([stdinText]), env: {} });
  return { code, out, err };
}
const base = () => ['--origin', ORIGIN, '--nonce', nonce, '--trust', files.trust, '--crl', files.crl];

describe('--json', () => {
  test('a valid token: {"valid":true,"holder":{…}}, exit 0', async () => {
    const r = await cli(['--token', files.valid, ...base(), '--json']);
    assert.equal(r.code, 0, r.out + r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.valid, true);
    assert.equal(j.holder.nationalId.raw, '810002813839');
    assert.equal(j.holder.nationalId.type, 'RPPS');
    assert.equal(j.cardType, 'CPS');
    assert.equal(j.subject, 'CN=810002813839+SN=DONNAT-GADY+GN=ISABELLE, title=Médecin, C=FR');
  });
  test('a revoked card: {"valid":false,"error":{"code":"CERT_REVOKED","message"}}, exit 7 (certificate)', async () => {
    const r = await cli(['--token', files.revoked, ...base(), '--json']);
    assert.equal(r.code, 7);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['valid', 'error']);
    assert.equal(j.valid, false);
    assert.equal(j.error.code, 'CERT_REVOKED');
    assert.match(j.error.message, /révoqué/);
  });
  test('another nonce: TOKEN_SIGNATURE_INVALID, exit 8 (token), message in English with --lang en', async () => {
    const r = await cli(['--token', files.valid, '--origin', ORIGIN, '--nonce', randomNonce(), '--trust', files.trust, '--crl', files.crl, '--json', '--lang', 'en']);
    assert.equal(r.code, 8);
    assert.equal(JSON.parse(r.out).error.code, 'TOKEN_SIGNATURE_INVALID');
    assert.match(JSON.parse(r.out).error.message, /does not match/);
  });
  test('--at after the certificate ends: CERT_EXPIRED', async () => {
    const at = new Date(leaf.cert.notAfter.getTime() + 86_400_000).toISOString();
    const r = await cli(['--token', files.valid, ...base(), '--revocation', 'off', '--at', at, '--json']);
    assert.equal(JSON.parse(r.out).error.code, 'CERT_EXPIRED');
  });
  test('no CRL given and none to fetch: hard fails, soft passes with a warning', async () => {
    const hard = await cli(['--token', files.valid, '--origin', ORIGIN, '--nonce', nonce, '--trust', files.trust, '--json']);
    assert.equal(JSON.parse(hard.out).error.code, 'REVOCATION_UNAVAILABLE');
    const soft = await cli(['--token', files.valid, '--origin', ORIGIN, '--nonce', nonce, '--trust', files.trust, '--revocation', 'soft', '--json']);
    assert.equal(soft.code, 0);
    assert.equal(JSON.parse(soft.out).warnings[0].code, 'REVOCATION_UNAVAILABLE');
  });
  test('a missing option or an unreadable file: BAD_REQUEST, exit 2', async () => {
    const r = await cli(['--token', files.valid, '--origin', ORIGIN, '--nonce', nonce, '--json']);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.out).error.code, 'BAD_REQUEST');
    assert.match(JSON.parse(r.out).error.message, /--trust/);
    const missing = await cli(['--token', tmp.path('nope.json'), ...base(), '--json']);
    assert.equal(missing.code, 2);
    assert.match(JSON.parse(missing.out).error.message, /ENOENT/);
  });
});

describe('text output and option forms', () => {
  test('French by default', async () => {
    const r = await cli(['--token', files.valid, ...base()]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Jeton valide\./);
    assert.match(r.out, /Titulaire : DONNAT-GADY ISABELLE/);
    assert.match(r.out, /Identifiant national : RPPS: 810002813839/);
  });
  test('refusal in English', async () => {
    const r = await cli(['--token', files.revoked, ...base(), '--lang', 'en']);
    assert.equal(r.code, 7);
    assert.match(r.out, /^Token refused: .*revoked.*\[CERT_REVOKED\]/);
  });
  test('--trust with a list after one flag, a DER file, --name=value, and --token - from stdin', async () => {
    const token = JSON.stringify(makeToken(leaf, ORIGIN, nonce));
    const r = await cli(['--token', '-', '--origin', ORIGIN, `--nonce=${nonce}`, '--trust', files.root, files.intermediateDer, `--crl=${files.crl}`, '--json'], token);
    assert.equal(r.code, 0, r.out);
    const split = await cli(['--token', files.valid, '--origin', ORIGIN, '--nonce', nonce, '--trust', files.root, '--intermediate', files.intermediate, '--crl', files.crl, '--json']);
    assert.equal(JSON.parse(split.out).valid, true);
  });
  test('argument parsing refuses unknown options and bad values', () => {
    for (const argv of [['--bogus', 'x'], ['stray'], ['--token', 'a', '--origin', 'o', '--nonce', 'n', '--trust', 't', '--revocation', 'maybe'],
      ['--token', 'a', '--origin', 'o', '--nonce', 'n', '--trust', 't', '--at', 'yesterday'], ['--token', '--origin']]) {
      assert.throws(() => parseVerifyTokenArgs(argv), (e: unknown) => e instanceof CpxError && e.code === 'BAD_REQUEST', argv.join(' '));
    }
  });
});

test('through the real bin (npx cpx-link) in a child process', async () => {
  const bin = fileURLToPath(new URL('../../cli/bin/cpx-link.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'verify-token', '--token', files.valid, ...base(), '--json']);
  assert.equal(JSON.parse(stdout).valid, true);
  const failed = await promisify(execFile)(process.execPath, [bin, 'verify-token', '--token', files.revoked, ...base(), '--json'])
    .then(() => null, (e: { code: number; stdout: string }) => e);
  assert.equal(failed?.code, 7);
  assert.equal(JSON.parse(failed!.stdout).error.code, 'CERT_REVOKED');
});
