// Bundles the desktop app for Electron with esbuild:
//   dist/electron/main.cjs          main process (electron/shell/main.ts + the core)
//   dist/electron/preload-main.cjs  main window preload (window.cpx)
//   dist/electron/preload-pin.cjs   PIN dialog preload (window.cpxPin)
//   dist/electron/card-service.cjs  card service worker, run in a utility process (native/service/worker.ts)
// then assembles dist/app/, the folder electron-builder packages (build/electron-builder.yml): the four bundles, the
// built renderer, a package.json of its own and the two native dependencies: pkcs11js, and native-reg (Windows
// policies, with node-gyp-build, its loader). Only what the app runs ships: the server, CLI, tests and their
// dependencies never enter the installer.
//
// `electron .` in a checkout runs dist/electron/main.cjs (package.json "main") with renderer/dist next door.
// Usage: node build/bundle.mjs [--no-app] [--dist DIR]   (DIR replaces <repo>/dist, for tests)

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distArg = process.argv.indexOf('--dist');
const dist = distArg > 0 ? path.resolve(process.argv[distArg + 1]) : path.join(root, 'dist');
const out = path.join(dist, 'electron');
const appDir = path.join(dist, 'app');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

// ESM sources use import.meta.url; in a CommonJS bundle it is derived from the bundle's own file name.
const importMetaShim = {
  define: { 'import.meta.url': '__cpx_import_meta_url' },
  banner: { js: 'var __cpx_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};

const common = {
  bundle: true,
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
  define: { 'process.env.NODE_ENV': '"production"' },
};

const targets = [
  // Electron 45 = Node 22 / Chromium 140.
  // native-reg finds its prebuilt binary next to its own files: it stays a package (loaded on Windows only).
  { entry: 'electron/shell/main.ts', outfile: 'main.cjs', platform: 'node', target: 'node22', external: ['electron', 'pkcs11js', 'native-reg'], shim: true },
  // Sandboxed preloads: only `electron` may be required at run time, everything else is inlined.
  { entry: 'electron/shell/preload-main.ts', outfile: 'preload-main.cjs', platform: 'browser', target: 'chrome140', external: ['electron'] },
  { entry: 'electron/shell/preload-pin.ts', outfile: 'preload-pin.cjs', platform: 'browser', target: 'chrome140', external: ['electron'] },
  // The only module with native code stays outside the bundle (loaded from node_modules, unpacked from the asar).
  { entry: 'native/service/worker.ts', outfile: 'card-service.cjs', platform: 'node', target: 'node22', external: ['pkcs11js'], shim: true },
];

async function bundle() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const results = await Promise.all(targets.map((t) => esbuild.build({
    ...common,
    entryPoints: [path.join(root, t.entry)],
    outfile: path.join(out, t.outfile),
    platform: t.platform,
    target: t.target,
    external: t.external,
    metafile: true,
    ...(t.shim ? { define: { ...common.define, ...importMetaShim.define }, banner: importMetaShim.banner } : {}),
  })));
  return results.map((r, i) => ({ file: targets[i].outfile, bytes: Object.values(r.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0,
    inputs: Object.keys(r.metafile.inputs) }));
}

function assembleApp() {
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  for (const t of targets) {
    cpSync(path.join(out, t.outfile), path.join(appDir, t.outfile));
  }
  const rendererDist = path.join(root, 'renderer/dist');
  const haveRenderer = existsSync(path.join(rendererDist, 'index.html')) && existsSync(path.join(rendererDist, 'pin.html'));
  if (haveRenderer) cpSync(rendererDist, path.join(appDir, 'renderer'), { recursive: true });

  // pkcs11js with its sources: electron-builder rebuilds it against Electron's Node ABI when packaging.
  copyPackage('pkcs11js', ['package.json', 'index.js', 'index.d.ts', 'binding.gyp', 'LICENSE', 'src', 'includes', 'build/Release/pkcs11.node']);
  // native-reg without its binding.gyp and C++ sources: its N-API binaries for Windows x64/ia32/arm64 are prebuilt in
  // the package, and without a binding.gyp electron-builder's rebuild leaves it alone instead of compiling Windows
  // code on Linux or macOS.
  copyPackage('native-reg', ['package.json', 'LICENSE', 'lib/index.js', 'prebuilds']);
  copyPackage('node-gyp-build', ['package.json', 'LICENSE', 'index.js', 'node-gyp-build.js']);
  const versionOf = (name) => JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({
    name: pkg.name,
    productName: 'CPx Link',
    version: pkg.version,
    description: pkg.description,
    author: 'CPx Link',
    license: pkg.license,
    main: 'main.cjs',
    dependencies: { pkcs11js: versionOf('pkcs11js'), 'native-reg': versionOf('native-reg') },
  }, null, 2) + '\n');
  return haveRenderer;
}

/** Copies the listed files and folders of an installed package into dist/app/node_modules. */
function copyPackage(name, items) {
  for (const item of items) {
    const from = path.join(root, 'node_modules', name, item);
    if (existsSync(from)) cpSync(from, path.join(appDir, 'node_modules', name, item), { recursive: true });
  }
}

const built = await bundle();
for (const b of built) console.log(`${path.relative(root, path.join(out, b.file))}  ${(b.bytes / 1024).toFixed(1)} KB`);
if (!process.argv.includes('--no-app')) {
  const haveRenderer = assembleApp();
  console.log(`${path.relative(root, appDir)} assembled${haveRenderer ? '' : ' WITHOUT the renderer (run `npm run build:renderer` first)'}`);
}
