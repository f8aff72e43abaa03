// `GET /api/trust`: the authorities the service accepts cards from, published so the app can say "not accepted here"
// before a PIN is typed. The subjects are those a card certificate names as its issuer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeCertificate } from '../../protocol/identity.ts';
import { startServer } from '../../server/start.ts';
import { publishedTrust } from '../../server/trust-list.ts';
import { IGC_SANTE_DIR, resolveTrust } from '../../server/trust.ts';
import { readdirSync } from 'node:fs';
import { makeSim } from '../helpers/sim.ts';

test('the test PKI service publishes its authorities (subject, key id, SHA-256) and that it takes test cards', async (t) => {
  const sim = await makeSim({ readers: 1 });
  const dir = await mkdtemp(path.join(tmpdir(), 'cpx-trust-'));
  const server = await startServer({ port: 0, dataDir: path.join(dir, 'db'), trust: [sim.env.CPX_TEST_TRUST], crl: [sim.env.CPX_TEST_CRL], warn: () => {} });
  t.after(async () => { await server.close(); await sim.cleanup(); await rm(dir, { recursive: true, force: true }); });
  const res = await fetch(`${server.url}/api/trust`);
  assert.equal(res.status, 200);
  const body = await res.json() as { authorities: { subject: string; subjectKeyId: string | null; sha256: string }[]; testCards: boolean };
  assert.equal(body.testCards, true);
  const pems = (await readFile(sim.env.CPX_TEST_TRUST, 'utf8')).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  assert.equal(body.authorities.length, pems.length);
  for (const [i, pem] of pems.entries()) {
    const der = Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64');
    const facts = decodeCertificate(der);
    assert.equal(body.authorities[i]!.subject, facts.subject);
    assert.equal(body.authorities[i]!.subjectKeyId, facts.subjectKeyId);
    assert.match(body.authorities[i]!.sha256, /^[0-9a-f]{64}$/);
  }
});

test('the real IGC-Santé authorities: published as such, no test cards', () => {
  const files = readdirSync(IGC_SANTE_DIR).filter((f) => f.endsWith('.pem')).map((f) => path.join(IGC_SANTE_DIR, f));
  const trust = publishedTrust(resolveTrust({ trust: files }, {}));
  assert.equal(trust.testCards, false);
  assert.equal(trust.authorities.length, files.length);
  assert.ok(trust.authorities.some((a) => /PERSONNES/.test(a.subject)), JSON.stringify(trust.authorities.map((a) => a.subject)));
});
