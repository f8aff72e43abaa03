// The service's parts that need no database: option parsing, trust resolution, regions file, fixture data,
// the batcher.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEMO_COMPANY, DEMO_ESTABLISHMENT, PROFILES } from '../../native/sim/profiles.ts';
import { Batcher } from '../../server/batcher.ts';
import { lockDataDir } from '../../server/db/dir-lock.ts';
import { parseArgs, toConfig } from '../../server/cli-options.ts';
import { loadRegions } from '../../server/regions.ts';
import { demoAccounts } from '../../server/seed.ts';
import { IGC_SANTE_DIR, resolveTrust, trustWarning } from '../../server/trust.ts';
import { testPki } from './tokens.ts';

describe('server options', () => {
  it('reads the contract flags, repeated and variadic lists, --name=value', () => {
    const args = parseArgs(['--port', '0', '--seed', '--trust', 'a.pem', 'b.pem', '--crl=c.der', '--trust', 'd.pem', '--origin', 'https://x.example']);
    const c = toConfig(args, {});
    assert.equal(c.port, 0);
    assert.equal(c.seed, true);
    assert.deepEqual(c.trust, ['a.pem', 'b.pem', 'd.pem']);
    assert.deepEqual(c.crl, ['c.der']);
    assert.equal(c.origin, 'https://x.example');
    assert.equal(c.databaseUrl, null);
    assert.equal(c.name, undefined);
    assert.equal(toConfig(parseArgs(['--name', 'ViaTrajectoire — Centre-Val de Loire']), {}).name, 'ViaTrajectoire — Centre-Val de Loire');
  });
  it('takes DATABASE_URL from the environment unless --database-url is given', () => {
    assert.equal(toConfig(parseArgs([]), { DATABASE_URL: 'postgres://a/b' }).databaseUrl, 'postgres://a/b');
    assert.equal(toConfig(parseArgs(['--database-url', 'postgres://c/d']), { DATABASE_URL: 'postgres://a/b' }).databaseUrl, 'postgres://c/d');
  });
  it('refuses unknown options, missing values and half a TLS configuration', () => {
    assert.throws(() => parseArgs(['--prot', '1']), /unknown option --prot/);
    assert.throws(() => parseArgs(['--port']), /needs a value/);
    assert.throws(() => toConfig(parseArgs(['--tls-cert', 'c.pem']), {}), /go together/);
    assert.throws(() => toConfig(parseArgs(['--revocation', 'maybe']), {}), /hard, soft or off/);
  });
});

describe('trust anchors', () => {
  it('defaults to the bundled IGC-Santé PERSONNES chains, with fetched CRLs and no warning', () => {
    const t = resolveTrust({}, {});
    assert.equal(t.source, 'igc-sante');
    assert.equal(t.anchors.length, 6);
    assert.ok(t.anchorFiles.every((f) => f.startsWith(IGC_SANTE_DIR)));
    assert.ok(t.anchorSubjects.includes('C=FR, O=ASIP-SANTE, OU=0002 187512751, OU=IGC-SANTE, CN=AC IGC-SANTE FORT PERSONNES'));
    assert.equal(t.fetchCrls, true);
    assert.equal(t.testAnchors, false);
    assert.equal(trustWarning(t), null);
  });
  it('uses CPX_TEST_TRUST / CPX_TEST_CRL when set, and warns about test anchors', async () => {
    const pki = await testPki();
    const t = resolveTrust({}, { CPX_TEST_TRUST: pki.trustPemPath, CPX_TEST_CRL: pki.crlPath });
    assert.equal(t.source, 'environment');
    assert.equal(t.anchors.length, 2);
    assert.deepEqual(t.crlFiles, [pki.crlPath]);
    assert.equal(t.fetchCrls, false);
    assert.match(trustWarning(t) ?? '', /autorités de TEST/);
  });
  it('prefers --trust over the environment, and a real anchor passed by path is not a test one', () => {
    const real = join(IGC_SANTE_DIR, 'AC_FORT_PERSONNES_20130625.pem');
    const t = resolveTrust({ trust: [real] }, { CPX_TEST_TRUST: '/nonexistent' });
    assert.equal(t.source, 'options');
    assert.equal(t.testAnchors, false);
  });
});

describe('regions configuration', () => {
  it('has the seven regions of the guides, each with its help text', () => {
    const regions = loadRegions();
    assert.deepEqual(regions.map((r) => r.id), ['centre-val-de-loire', 'grand-est', 'ile-de-france', 'normandie', 'auvergne-rhone-alpes',
      'nouvelle-aquitaine', 'autres']);
    assert.match(regions.find((r) => r.id === 'autres')!.howToGetAccount, /référent/);
  });
  it('fails loudly on a broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpx-regions-'));
    try {
      const file = join(dir, 'r.json');
      writeFileSync(file, JSON.stringify([{ id: 'x', name: 'X', howToGetAccount: 'Texte', support: { label: 'Support' } }]));
      assert.throws(() => loadRegions(file), /at least one of email, phone, url/);
      writeFileSync(file, JSON.stringify([{ id: 'x', name: 'X', howToGetAccount: 'T' }, { id: 'x', name: 'Y', howToGetAccount: 'T' }]));
      assert.throws(() => loadRegions(file), /duplicate id/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('demo accounts fixture', () => {
  const accounts = demoAccounts();
  it('has demo.etab (the contract account) active, in the cpe profile\'s establishment', () => {
    const etab = accounts.find((a) => a.username === 'demo.etab')!;
    assert.equal(etab.password, 'Demo-CPx-2026!');
    assert.equal(etab.active, true);
    assert.equal(etab.forProfile, 'cpe');
    assert.equal(etab.establishment.name, DEMO_ESTABLISHMENT.name);
    assert.equal(etab.establishment.finess, DEMO_ESTABLISHMENT.finess);
    assert.deepEqual([etab.surname, etab.givenName], [PROFILES.cpe!.surname, PROFILES.cpe!.givenName]);
  });
  it('names, for each account tied to a card profile, that profile\'s holder and organisation', () => {
    for (const a of accounts.filter((x) => x.forProfile)) {
      const p = PROFILES[a.forProfile!];
      assert.ok(p, `${a.username}: unknown profile ${a.forProfile}`);
      assert.deepEqual([a.surname, a.givenName], [p.surname, p.givenName], a.username);
      if (p.organisation) assert.equal(a.establishment.name, p.organisation.name, a.username);
    }
    assert.equal(accounts.find((a) => a.forProfile === 'cpa')!.establishment.name, DEMO_COMPANY.name);
  });
  it('has an inactive account and a second establishment account for the refusals', () => {
    assert.ok(accounts.some((a) => !a.active));
    assert.ok(accounts.filter((a) => a.active && a.establishment.finess === DEMO_ESTABLISHMENT.finess).length >= 2);
    assert.equal(new Set(accounts.map((a) => a.username.toLowerCase())).size, accounts.length);
  });
});

describe('batcher', () => {
  it('sends calls made together in one batch, in order, and the next ones after it', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const b = new Batcher<number, number>(async (xs) => { batches.push(xs); if (batches.length === 1) await gate; return xs.map((x) => x * 10); }, 64, 1);
    const first = [1, 2, 3].map((x) => b.call(x));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((x) => b.call(x));
    release();
    assert.deepEqual(await Promise.all([...first, ...second]), [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1, 2, 3], [4, 5]]);
  });
  it('fails every call of a failed batch, and keeps working after', async () => {
    let fail = true;
    const b = new Batcher<number, number>(async (xs) => { if (fail) throw new Error('db down'); return xs; });
    await assert.rejects(Promise.all([b.call(1), b.call(2)]), /db down/);
    fail = false;
    assert.equal(await b.call(3), 3);
  });
  it('splits a large burst into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>(async (xs) => { sizes.push(xs.length); return xs; }, 10, 2);
    await Promise.all(Array.from({ length: 35 }, (_, i) => b.call(i)));
    assert.ok(sizes.every((s) => s <= 10));
    assert.equal(sizes.reduce((a, s) => a + s, 0), 35);
  });
});


describe('PGlite data directory lock', () => {
  it('keeps a second service out of a directory in use, and takes over a lock left by a dead process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpx-lock-'));
    try {
      const release = lockDataDir(dir);
      assert.throws(() => lockDataDir(dir), /déjà utilisé par un autre service/);
      release();
      lockDataDir(dir)();
      // A pid that cannot be alive (above the kernel's pid_max) stands for a crashed service.
      writeFileSync(join(dir, 'cpx-service.lock'), '99999999');
      const again = lockDataDir(dir);
      again();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
