// protocol/identity.ts, origin.ts and webeid.ts run in a browser: bundled for the browser platform and evaluated in
// a bare JavaScript context (no Buffer, process or require; only the Web APIs a page has), they give the same results.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { parseCertificate } from '../../protocol/identity.ts';
import type * as Identity from '../../protocol/identity.ts';
import type * as Origin from '../../protocol/origin.ts';
import type * as WebEid from '../../protocol/webeid.ts';
import { SUBJECTS, makeChain, makeKey, makeLeaf, type TestCert } from '../validator/pki-fixture.ts';

interface Shared {
  identity: typeof Identity;
  origin: typeof Origin;
  webeid: typeof WebEid;
}
let page: Shared;
let leaf: TestCert;

before(async () => {
  const out = await build({
    stdin: {
      contents: `export * as identity from './protocol/identity.ts'; export * as origin from './protocol/origin.ts'; export * as webeid from './protocol/webeid.ts';`,
      resolveDir: new URL('../..', import.meta.url).pathname, loader: 'ts',
    },
    bundle: true, platform: 'browser', format: 'iife', globalName: 'cpx', write: false, logLevel: 'silent',
  });
  const context = createContext({ TextEncoder, TextDecoder, URL, atob, btoa, crypto: globalThis.crypto, console });
  runInContext(out.outputFiles[0]!.text, context);
  page = (context as unknown as { cpx: Shared }).cpx;
  const { intermediate } = await makeChain();
  leaf = await makeLeaf(intermediate, { subject: SUBJECTS.cpe, key: await makeKey('rsa2048'), cardType: 2 });
});

test('parseCertificate in a browser context gives what it gives in Node', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  const inPage = page.identity.parseCertificate(new Uint8Array(leaf.der), now);
  // Objects built in another realm: compare their JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(inPage)), JSON.parse(JSON.stringify(parseCertificate(leaf.der, now))));
  assert.equal(inPage.holder?.nationalId.type, 'FINESS');
});

test('garbage is still a CERT_MALFORMED CpxError there', () => {
  assert.throws(() => page.identity.parseCertificate(new Uint8Array([0x30, 0x03, 1, 2, 3])), (e: { code?: string }) => e.code === 'CERT_MALFORMED');
});

test('origin and nonce checks and the signed data work there too', async () => {
  assert.equal(page.origin.checkOrigin('https://Café.example:443'), 'https://xn--caf-dma.example');
  assert.throws(() => page.origin.checkOrigin('http://example.org'), (e: { code?: string }) => e.code === 'INVALID_ORIGIN');
  const data = page.webeid.authSignedData('https://example.org', 'A'.repeat(44));
  assert.equal(data.length, 64);
});
