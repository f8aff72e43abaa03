// Packaging: the esbuild bundles build and the card service bundle really runs (over the simulator); the
// electron-builder configuration passes electron-builder's own schema with the fuses and the per-machine MSI; the
// ADMX/ADML templates cover every setting under the registry names the app reads.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CardServiceClient } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { coerceSetting, SETTING_KEYS, settingKeyOf } from '../../electron/core/settings-schema.ts';
import { resolveAppFile } from '../../electron/shell/app-files.ts';
import { makeSim } from '../helpers/sim.ts';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));
let dist: string;

before(async () => {
  dist = await mkdtemp(path.join(tmpdir(), 'cpx-dist-'));
  await promisify(execFile)(process.execPath, [path.join(root, 'build/bundle.mjs'), '--dist', dist], { cwd: root });
});
after(async () => { await rm(dist, { recursive: true, force: true }); });

const requiresOf = (file: string) => [...new Set([...readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
const isBuiltin = (m: string) => m.startsWith('node:') || require('node:module').builtinModules.includes(m);

describe('bundles', () => {
  test('main, both preloads and the card service are bundled; only Electron, Node built-ins and the native packages stay outside', () => {
    for (const f of ['main.cjs', 'preload-main.cjs', 'preload-pin.cjs', 'card-service.cjs']) {
      assert.ok(existsSync(path.join(dist, 'electron', f)), f);
    }
    assert.deepEqual(requiresOf(path.join(dist, 'electron/preload-main.cjs')), ['electron']);
    assert.deepEqual(requiresOf(path.join(dist, 'electron/preload-pin.cjs')), ['electron']);
    assert.deepEqual(requiresOf(path.join(dist, 'electron/main.cjs')).filter((m) => !isBuiltin(m)), ['electron']);
    // native-reg is required at run time (createRequire, on Windows only), never inlined.
    const main = readFileSync(path.join(dist, 'electron/main.cjs'), 'utf8');
    assert.match(main, /createRequire\)\(__cpx_import_meta_url\)\("native-reg"\)/);
    assert.doesNotMatch(main, /node-gyp-build|RegQueryValue/);
    assert.deepEqual(requiresOf(path.join(dist, 'electron/card-service.cjs')).filter((m) => !isBuiltin(m)), ['pkcs11js']);
  });

  test('each preload exposes exactly one object: window.cpx for the main window, window.cpxPin for the PIN dialog', () => {
    const exposed = (f: string) => [...readFileSync(path.join(dist, 'electron', f), 'utf8').matchAll(/exposeInMainWorld\("(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(exposed('preload-main.cjs'), ['cpx']);
    assert.deepEqual(exposed('preload-pin.cjs'), ['cpxPin']);
  });

  test('dist/app holds what ships: the bundles, its own package.json, pkcs11js with its native binary', () => {
    const app = path.join(dist, 'app');
    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
    assert.equal(pkg.main, 'main.cjs');
    assert.equal(pkg.productName, 'CPx Link');
    assert.deepEqual(Object.keys(pkg.dependencies), ['pkcs11js', 'native-reg']);
    assert.ok(existsSync(path.join(app, 'node_modules/pkcs11js/build/Release/pkcs11.node')), 'pkcs11js binary');
    assert.ok(existsSync(path.join(app, 'node_modules/pkcs11js/binding.gyp')), 'pkcs11js sources for the Electron rebuild');
    assert.ok(!existsSync(path.join(app, 'node_modules/fastify')), 'server dependencies do not ship');
  });

  test('native-reg ships with its prebuilt Windows binaries and no binding.gyp (the Electron rebuild must not compile it), and loads on any OS', () => {
    const reg = path.join(dist, 'app/node_modules/native-reg');
    for (const arch of ['x64', 'ia32', 'arm64']) assert.ok(existsSync(path.join(reg, `prebuilds/win32-${arch}/node.napi.node`)), arch);
    assert.ok(!existsSync(path.join(reg, 'binding.gyp')));
    assert.ok(existsSync(path.join(dist, 'app/node_modules/node-gyp-build/index.js')), 'its loader ships too');
    // Resolved from dist/app alone, as the packaged main process resolves it.
    const fromApp = createRequire(path.join(dist, 'app/main.cjs'));
    assert.equal(path.dirname(fromApp.resolve('native-reg/package.json')), reg);
    assert.equal(typeof fromApp('native-reg').openKey, 'function');
  });

  test('the bundled card service runs in a Node process (the unpackaged app\'s transport): reads a simulated card and signs', async () => {
    const sim = await makeSim({ readers: 1 });
    const transport = forkTransport({
      workerPath: path.join(dist, 'electron/card-service.cjs'),
      env: { ...process.env, ...sim.env, CPX_PKCS11_MODULE_ONLY: '1', NODE_PATH: path.join(root, 'node_modules') },
    });
    const client = new CardServiceClient({ transport, restart: false });
    try {
      await sim.insert('cps-medecin', 0);
      await client.start();
      const cards = await client.request('cards', {});
      assert.equal(cards[0]?.holder?.surname, 'BERNARD');
      const origin = 'https://orientation.sante-centre.fr';
      const nonce = randomBytes(32).toString('base64');
      const token = await client.request('authenticate', { readerIndex: 0, origin, nonce, pin: new TextEncoder().encode('1234') });
      const h = (s: string) => createHash('sha256').update(s).digest();
      const cert = new X509Certificate(Buffer.from(token.unverifiedCertificate, 'base64'));
      assert.ok(verify('sha256', Buffer.concat([h(origin), h(nonce)]), cert.publicKey, Buffer.from(token.signature, 'base64')), 'signature verifies');
    } finally {
      await client.close();
      await sim.cleanup();
    }
  });
});

/**
 * build/electron-builder.yml as electron-builder reads it. Its logger writes to this process's stdout, which is the test
 * runner's channel to its parent (a line landing inside a report broke a CI run: "Unable to deserialize cloned
 * data"): it writes to stderr here.
 */
async function builderConfig() {
  require('builder-util').log.stream = process.stderr;
  const { getConfig } = require('app-builder-lib/out/util/config/config');
  return await getConfig(root, path.join(root, 'build/electron-builder.yml'), null);
}

describe('electron-builder configuration', () => {
  test('passes electron-builder\'s schema; MSI per machine, silent-friendly; fuses locked down; asar with native code unpacked', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    const cfg = await builderConfig();
    await validateConfiguration(cfg, new DebugLogger(false));
    assert.equal(cfg.appId, 'fr.cpxlink.app');
    assert.equal(cfg.productName, 'CPx Link');
    assert.equal(cfg.directories.app, 'dist/app');
    assert.equal(cfg.asar, true);
    assert.deepEqual(cfg.asarUnpack, ['**/*.node']);
    assert.deepEqual(cfg.win.target, [{ target: 'msi', arch: ['x64'] }]);
    assert.equal(cfg.msi.perMachine, true);
    assert.equal(cfg.msi.oneClick, true);
    assert.equal(cfg.msi.runAfterFinish, false);
    assert.match(cfg.msi.upgradeCode, /^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$/);
    assert.deepEqual({
      runAsNode: cfg.electronFuses.runAsNode,
      enableNodeOptionsEnvironmentVariable: cfg.electronFuses.enableNodeOptionsEnvironmentVariable,
      enableNodeCliInspectArguments: cfg.electronFuses.enableNodeCliInspectArguments,
      enableEmbeddedAsarIntegrityValidation: cfg.electronFuses.enableEmbeddedAsarIntegrityValidation,
      onlyLoadAppFromAsar: cfg.electronFuses.onlyLoadAppFromAsar,
      enableCookieEncryption: cfg.electronFuses.enableCookieEncryption,
      grantFileProtocolExtraPrivileges: cfg.electronFuses.grantFileProtocolExtraPrivileges,
    }, {
      runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('the cpxlink: scheme, registered per machine by each installer', () => {
  const config = builderConfig;

  test('one protocol, cpxlink (macOS CFBundleURLTypes and the Linux .desktop come from it)', async () => {
    const cfg = await config();
    assert.deepEqual(cfg.protocols, [{ name: 'CPx Link', schemes: ['cpxlink'] }]);
  });

  test('deb: electron-builder\'s own .desktop writer declares the scheme and passes the link as one argument (%U)', async () => {
    const cfg = await config();
    const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper');
    // The packager fields computeDesktopEntry reads, filled from the real configuration.
    const packager = {
      appInfo: { productName: cfg.productName, sanitizedProductName: cfg.productName, description: 'CPx Link' },
      executableName: cfg.linux.executableName, info: { metadata: {} }, fileAssociations: [],
      config: cfg, platformSpecificBuildOptions: cfg.linux,
    };
    const entry: string = await new LinuxTargetHelper(packager).computeDesktopEntry(cfg.linux);
    assert.match(entry, /^MimeType=x-scheme-handler\/cpxlink;$/m, entry);
    assert.match(entry, /^Exec=.*cpx-link" %U$/m, entry);
  });

  test('MSI: the hook adds HKLM\\Software\\Classes\\cpxlink to electron-builder\'s own WiX project, "%1" last', async () => {
    const cfg = await config();
    assert.equal(cfg.msiProjectCreated, './build/msi-protocol.mjs');
    // The hook as electron-builder loads it (its resolver, from the configured path)…
    const { resolveFunction } = require('app-builder-lib/out/util/resolve');
    const cwd = process.cwd();
    let hook: (file: string) => Promise<void>;
    try { process.chdir(root); hook = await resolveFunction('module', cfg.msiProjectCreated, 'msiProjectCreated', root); } finally { process.chdir(cwd); }
    // …applied to the project electron-builder's MSI target writes: its template, rendered as it renders it.
    const ejs = require('ejs');
    const template = readFileSync(require.resolve('app-builder-lib/templates/msi/template.xml'), 'utf8')
      .replace(/{{/g, '<%').replace(/}}/g, '%>').replace(/\${([^}]+)}/g, '<%=$1%>');
    const files = '<Component><File Name="CPxLink.exe" Source="$(var.appDir)\\CPxLink.exe" ReadOnly="yes" KeyPath="yes" Id="mainExecutable"/></Component>';
    const wxs = ejs.compile(template)({
      productName: 'CPx Link', upgradeCode: cfg.msi.upgradeCode, version: '0.1.0.0', manufacturer: 'CPx Link', compressionLevel: 'high',
      iconPath: null, iconId: 'CPxLinkIcon.exe', isRunAfterFinish: false, isPerMachine: true, isAssisted: false, menuCategory: null,
      programFilesId: 'ProgramFiles64Folder', installationDirectoryWixName: 'CPx Link', isCreateDesktopShortcut: true,
      isCreateStartMenuShortcut: true, dirs: '', files,
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'cpx-msi-'));
    try {
      const file = path.join(dir, 'project.wxs');
      await writeFile(file, wxs);
      await hook(file);
      const after = await readFile(file, 'utf8');
      await hook(file); // idempotent: a second run adds nothing
      assert.equal(await readFile(file, 'utf8'), after);

      // The XML as a DOM (xmldom, what the hook itself uses); only the few node members read here are typed.
      interface Element { localName: string; getAttribute(name: string): string | null; childNodes: ArrayLike<unknown>;
        getElementsByTagNameNS(ns: string | null, tag: string): ArrayLike<Element> }
      const { DOMParser } = require('@xmldom/xmldom');
      const doc = new DOMParser().parseFromString(after, 'text/xml') as Element & { documentElement: { namespaceURI: string | null } };
      const ns = doc.documentElement.namespaceURI;
      const all = (tag: string, from: Element = doc) => Array.from(from.getElementsByTagNameNS(ns, tag));
      const group = all('ComponentGroup').find((g) => g.getAttribute('Id') === 'ProductComponents')!;
      const component = all('Component', group).find((c) => c.getAttribute('Id') === 'cpxlinkUrlScheme');
      assert.ok(component, 'the scheme component is one of the product\'s components (installed with the app)');
      assert.match(component!.getAttribute('Guid')!, /^\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}$/);
      const [key] = all('RegistryKey', component);
      assert.equal(key.getAttribute('Root'), 'HKLM', 'per machine, never HKCU');
      assert.equal(key.getAttribute('Key'), 'Software\\Classes\\cpxlink');
      const valueOf = (k: Element, name: string | null) => Array.from(k.childNodes).find((n) => (n as Element).localName === 'RegistryValue'
        && (n as Element).getAttribute('Name') === (name ?? '')) as Element | undefined;
      assert.equal(valueOf(key, null)?.getAttribute('Value'), 'URL:CPx Link');
      assert.equal(valueOf(key, 'URL Protocol')?.getAttribute('Value'), '');
      const command = all('RegistryKey', key).find((k) => k.getAttribute('Key') === 'shell\\open\\command')!;
      // The installed exe (WiX resolves [#mainExecutable] to its path), then the link quoted and last (CVE-2018-1000006).
      assert.equal(valueOf(command, null)?.getAttribute('Value'), '"[#mainExecutable]" "%1"');
      assert.ok(all('File').some((f) => f.getAttribute('Id') === 'mainExecutable'), '[#mainExecutable] names a file of the project');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the app never registers the scheme itself (setAsDefaultProtocolClient writes HKCU and outlives an uninstall)', () => {
    assert.doesNotMatch(readFileSync(path.join(dist, 'electron/main.cjs'), 'utf8'), /setAsDefaultProtocolClient\s*\(/);
  });
});

describe('group policy templates', () => {
  const admx = readFileSync(path.join(root, 'build/policies/windows/CPxLink.admx'), 'utf8');
  const adml = {
    'fr-FR': readFileSync(path.join(root, 'build/policies/windows/fr-FR/CPxLink.adml'), 'utf8'),
    'en-US': readFileSync(path.join(root, 'build/policies/windows/en-US/CPxLink.adml'), 'utf8'),
  };
  const policies = [...admx.matchAll(/<policy name="(\w+)"[^>]*key="([^"]+)"[^>]*>([\s\S]*?)<\/policy>/g)]
    .map(([, name, key, body]) => ({ name, key, body }));

  test('one policy per setting, under SOFTWARE\\Policies\\CPxLink, machine and user, with a value name the app reads', () => {
    assert.equal(policies.length, SETTING_KEYS.length);
    const covered = new Set<string>();
    for (const p of policies) {
      assert.equal(p.key, 'SOFTWARE\\Policies\\CPxLink', p.name);
      assert.match(admx, new RegExp(`<policy name="${p.name}" class="Both"`), p.name);
      const valueNames = [...p.body.matchAll(/valueName="(\w+)"/g)].map((m) => m[1]);
      assert.equal(valueNames.length, 1, p.name);
      const key = settingKeyOf(valueNames[0]);
      assert.ok(key, `${valueNames[0]} is not a setting`);
      covered.add(key!);
      // Every value an enum can write is one the app accepts.
      for (const [, v] of p.body.matchAll(/<string>([^<]*)<\/string>/g)) {
        assert.ok(coerceSetting(key!, v).ok, `${p.name}: ${v}`);
      }
    }
    assert.deepEqual([...covered].sort(), [...SETTING_KEYS].sort());
    assert.match(policies.find((p) => p.name === 'AllowedOrigins')!.body, /<multiText /, 'a list is a REG_MULTI_SZ');
    assert.match(policies.find((p) => p.name === 'Pkcs11Module')!.body, /expandable="true"/, '%WINDIR% allowed in the module path');
  });

  test('every string and presentation the ADMX names exists in both the French and the English ADML', () => {
    const strings = [...admx.matchAll(/\$\(string\.(\w+)\)/g)].map((m) => m[1]);
    const presentations = [...admx.matchAll(/\$\(presentation\.(\w+)\)/g)].map((m) => m[1]);
    const elementIds = [...admx.matchAll(/<(?:text|multiText|enum) id="(\w+)"/g)].map((m) => m[1]);
    for (const [lang, text] of Object.entries(adml)) {
      for (const id of strings) assert.match(text, new RegExp(`<string id="${id}">`), `${lang}: string ${id}`);
      for (const id of presentations) assert.match(text, new RegExp(`<presentation id="${id}">`), `${lang}: presentation ${id}`);
      for (const id of elementIds) assert.match(text, new RegExp(`refId="${id}"`), `${lang}: element ${id}`);
    }
  });
});

test('the app scheme serves files of renderer/dist only', () => {
  const dir = path.join(root, 'renderer/dist');
  assert.equal(resolveAppFile(dir, 'cpx-app://ui/index.html'), path.join(dir, 'index.html'));
  assert.equal(resolveAppFile(dir, 'cpx-app://ui/assets/app.js'), path.join(dir, 'assets/app.js'));
  assert.equal(resolveAppFile(dir, 'cpx-app://ui/'), path.join(dir, 'index.html'));
  // Traversal attempts never leave the folder (the URL parser folds some of them back inside it).
  for (const sneaky of ['cpx-app://ui/../package.json', 'cpx-app://ui/%2e%2e/package.json', 'cpx-app://ui/..%2f..%2fpackage.json',
    'cpx-app://ui/assets/..%5c..%5c..%5cpackage.json', 'cpx-app://ui/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json']) {
    const file = resolveAppFile(dir, sneaky);
    assert.ok(file === null || file.startsWith(dir + path.sep), `${sneaky} → ${file}`);
  }
  for (const bad of ['cpx-app://other/index.html', 'file:///etc/passwd', 'cpx-app://ui/secret.txt', 'cpx-app://ui/%00.html',
    'cpx-app://ui/..%2f..%2fpackage.json']) {
    assert.equal(resolveAppFile(dir, bad), null, bad);
  }
});
