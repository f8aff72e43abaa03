// The PKI cache: generated once, shared safely by racing processes, reused byte for byte, repaired and renewed
// with the SAME keys (a card's identity must not change). Uses a private cache folder with a few profiles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensurePki } from '../../native/sim/pki/index.ts';
import { x509 } from '../../native/sim/pki/x509.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUBSET = ['cps-medecin', 'revoked', 'cps-expiring'];
const DAY = 86_400_000;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpx-pki-cache-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A separate process ensuring the PKI in `dir`; prints digests of what it got. */
async function ensureInChild(): Promise<string> {
  const code = `
    import { createHash } from 'node:crypto';
    import { ensurePki } from ${JSON.stringify(join(REPO, 'native/sim/pki/index.ts'))};
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    const pki = await ensurePki(process.argv[1], { profiles: ${JSON.stringify(SUBSET)} });
    const c = pki.card('cps-medecin').authentication;
    console.log(JSON.stringify({ root: sha(pki.root.certificate), cert: sha(c.certificate), key: sha(c.privateKey), crl: sha(pki.crl) }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, dir], { cwd: REPO });
  return stdout.trim();
}

test('two processes racing on an empty cache end with one and the same PKI', async () => {
  const [a, b] = await Promise.all([ensureInChild(), ensureInChild()]);
  assert.equal(a, b);
  const leftovers = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes('.tmp-') || f.endsWith('.lock'));
  assert.deepEqual(leftovers, []);
  const pki = await ensurePki(dir, { profiles: SUBSET });
  const c = pki.card('cps-medecin').authentication!;
  assert.deepEqual(JSON.parse(a), { root: sha(pki.root.certificate), cert: sha(c.certificate), key: sha(c.privateKey), crl: sha(pki.crl) });
});

test('a damaged certificate is re-issued with the same key; the others are untouched', async () => {
  const before = await ensurePki(dir, { profiles: SUBSET });
  writeFileSync(join(dir, 'cards', 'cps-medecin', 'auth.der'), 'not a certificate');
  const after = await ensurePki(dir, { profiles: SUBSET });
  const [b, a] = [before.card('cps-medecin').authentication!, after.card('cps-medecin').authentication!];
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.deepEqual(a.privateKey, b.privateKey);
  assert.ok(new X509Certificate(a.certificate).publicKey.export({ type: 'spki', format: 'der' })
    .equals(new X509Certificate(b.certificate).publicKey.export({ type: 'spki', format: 'der' })));
  assert.deepEqual(after.card('cps-medecin').signature!.certificate, before.card('cps-medecin').signature!.certificate);
  assert.deepEqual(after.card('revoked').authentication!.certificate, before.card('revoked').authentication!.certificate);
});

test('days later, the expiring certificate moves to stay ~10 days from expiry, same key; valid ones are kept', async () => {
  const before = await ensurePki(dir, { profiles: SUBSET });
  const now = new Date(Date.now() + 5 * DAY);
  const after = await ensurePki(dir, { profiles: SUBSET, now });
  const [b, a] = [before.card('cps-expiring').authentication!, after.card('cps-expiring').authentication!];
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.deepEqual(a.privateKey, b.privateKey);
  const left = (a.notAfter.getTime() - now.getTime()) / DAY;
  assert.ok(left >= 7 && left <= 13, `${left} days left`);
  assert.deepEqual(after.card('cps-medecin').authentication!.certificate, before.card('cps-medecin').authentication!.certificate);
});

test('near the end of its life a valid certificate is renewed with the same key, and the CRL follows', async () => {
  const before = await ensurePki(dir, { profiles: SUBSET });
  const now = new Date(Date.now() + (3 * 365 - 60) * DAY);
  const after = await ensurePki(dir, { profiles: SUBSET, now });
  for (const name of ['cps-medecin', 'revoked']) {
    const [b, a] = [before.card(name).authentication!, after.card(name).authentication!];
    assert.notEqual(a.serialNumber, b.serialNumber, name);
    assert.deepEqual(a.privateKey, b.privateKey, name);
    assert.ok(a.notAfter.getTime() > now.getTime() + 365 * DAY);
  }
  const crl = new x509.X509Crl(after.crl);
  const listed = crl.entries.map((e) => e.serialNumber.toLowerCase()).sort();
  const revoked = [after.card('revoked').authentication!, after.card('revoked').signature!].map((l) => l.serialNumber).sort();
  assert.deepEqual(listed, revoked);
  assert.ok(crl.nextUpdate!.getTime() > now.getTime());
});
