// The real IGC-Santé CA certificates (../shared/pki/igc-sante/) verify with the X.509 code the project uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { x509 } from '../../native/sim/pki/x509.ts';

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'shared', 'pki', 'igc-sante');
const load = (name: string) => new x509.X509Certificate(readFileSync(join(DIR, name), 'utf8'));

test('AC IGC-SANTE FORT PERSONNES verifies against AC RACINE IGC-SANTE FORT', async () => {
  const root = load('ACR_FORT_20130625.pem');
  const intermediate = load('AC_FORT_PERSONNES_20130625.pem');
  assert.match(intermediate.subject, /CN=AC IGC-SANTE FORT PERSONNES/);
  assert.equal(intermediate.issuer, root.subject);
  assert.ok(await root.verify({ signatureOnly: true }), 'the root is self-signed');
  assert.ok(await intermediate.verify({ publicKey: root, signatureOnly: true }));
  const bc = intermediate.getExtension(x509.BasicConstraintsExtension);
  assert.ok(bc?.ca);
  assert.equal(bc.pathLength, 0);
  const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(intermediate);
  assert.equal(chain.length, 2);
  assert.equal(chain[1]!.subject, root.subject);
});

test('…and not against another IGC-Santé root (STANDARD, ELEMENTAIRE)', async () => {
  const intermediate = load('AC_FORT_PERSONNES_20130625.pem');
  for (const other of ['ACR_STANDARD_20130625.pem', 'ACR_ELEMENTAIRE_20130625.pem']) {
    const root = load(other);
    assert.ok(!(await intermediate.verify({ publicKey: root, signatureOnly: true })), other);
    const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(intermediate);
    assert.equal(chain.length, 1, `no chain through ${other}`);
  }
});
