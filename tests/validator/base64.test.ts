// The validator's strict base64 and PEM reading: one text, one encoding — what Buffer would silently repair is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { decodeBase64, pemBlocks, pemCertificates } from '../../server/validator/base64.ts';

test('strict base64 agrees with Buffer on valid input and refuses what Buffer would silently repair', () => {
  for (let n = 1; n < 70; n++) {
    const bytes = randomBytes(n);
    assert.deepEqual(decodeBase64(bytes.toString('base64')), bytes);
  }
  for (const bad of ['', 'A', 'AB', 'ABC', 'AB=C', 'A===', 'AAAA AAAA', 'AA\nAA', 'AB-_', 'QR==', 'QUJ=', '====', 'AAA=AAAA', 'é€==']) {
    assert.equal(decodeBase64(bad), null, bad);
  }
});

test('pemCertificates reads every certificate of the real IGC-Santé files', () => {
  const dir = new URL('../../../shared/pki/igc-sante/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.pem'));
  assert.ok(files.length >= 9);
  const all = pemCertificates(files.map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n'));
  assert.equal(all.length, files.length);
  for (const der of all) assert.equal(der[0], 0x30);
});

test('PEM blocks: only the labels asked for, BEGIN and END must agree, undecodable bodies are skipped', () => {
  const body = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]).toString('base64');
  const text = [
    `-----BEGIN X509 CRL-----\n${body}\n-----END X509 CRL-----`,
    `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`,
    `-----BEGIN X509 CRL-----\n${body}\n-----END CERTIFICATE-----`,
    `-----BEGIN X509 CRL-----\nnot*base64\n-----END X509 CRL-----`,
  ].join('\n');
  assert.deepEqual(pemBlocks(text, ['X509 CRL']).map((b) => b.toString('base64')), [body]);
  assert.equal(pemCertificates(text).length, 1);
});
