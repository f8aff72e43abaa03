// Electron hardening gate, run by `npm test`: Doyensec's electronegativity over the app's sources (electron/) and
// over what ships (the bundles and the built renderer, assembled as build/bundle.mjs does). Exits non-zero on any
// finding left unexplained. A finding is explained by an `eng-disable <CHECK_ID>` comment on the line that raises it,
// followed on that line by the reason (`// eng-disable OPEN_EXTERNAL_JS_CHECK — why`); a suppression without a reason
// fails too. Findings in the bundles are traced back to their source line through the bundle's source map (esbuild
// drops comments), so one comment explains a line in both scans.
//
// Offline: the tool's update check of Electron releases is excluded (below) and its download of translations replaced
// by its bundled English (offlineTranslations).
//
// Usage: node scripts/electronegativity.mjs [--source DIR]... [--app DIR | --no-app]
//   --source DIR   a source folder to scan (default: electron/); repeatable
//   --app DIR      an assembled app (dist/app) to scan, with its bundles' source maps in DIR/../electron/
//                  (default: one assembled for this run in a temporary folder, with the built renderer)
//   --no-app       scan the sources only

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * Checks left out, each with its reason. Names as the tool knows them (lower-case class names).
 * Global checks judge the whole scan, so no line can carry their explanation.
 */
const EXCLUDED_EVERYWHERE = {
  availablesecurityfixesglobalcheck: 'downloads Electron\'s release list from GitHub on every run (not offline); keeping Electron '
    + 'current is the job of dependency updates, not of this gate',
};
const EXCLUDED_FROM_SOURCES = {
  cspglobalcheck: 'the CSP is a response header of the cpx-app: protocol handler (electron/shell/ui-session.ts), a form '
    + 'the tool does not recognise; the pages\' own CSP (their meta tag) is evaluated in the scan of the bundled app',
};

/**
 * Checks that cannot apply to some of the shipped files (paths relative to the app), each with its reason. The built
 * renderer is minified without source maps, so a comment in its sources cannot reach the line the tool reports.
 */
const NOT_APPLICABLE_IN_APP = [
  { check: 'OPEN_EXTERNAL_JS_CHECK', files: /^renderer\//, why: 'the renderer is sandboxed web content with no Electron '
    + 'module: a call named openExternal there is the UI asking main through window.cpx (link:open-external), and main '
    + 'checks the link; the real shell.openExternal calls are in main.cjs, each explained at its source line' },
];

/** The file name the tool gives a global check's finding (it judges the whole scan, not a line). */
const GLOBAL = 'N/A';

// `eng-disable` as the tool reads it (its own regular expressions), then what follows on the line: the reason.
const SUPPRESSION = /(?:\/\*|\/\/|<!--)[ \t]*eng-disable[ \t]+([\w \t]+)(.*)$/;

function parseArgs(argv) {
  const opts = { sources: [], app: null, noApp: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--source') opts.sources.push(path.resolve(argv[++i]));
    else if (argv[i] === '--app') opts.app = path.resolve(argv[++i]);
    else if (argv[i] === '--no-app') opts.noApp = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (opts.sources.length === 0) opts.sources.push(path.join(root, 'electron'));
  return opts;
}

const checkIdsOf = (text) => text.trim().split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());

/** Every eng-disable comment in a file: its line, the checks it names and whether a reason follows them. */
function suppressionsIn(file, shownAs = path.relative(root, file)) {
  const out = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    const m = SUPPRESSION.exec(line);
    if (m) out.push({ where: `${shownAs}:${i + 1}`, checks: checkIdsOf(m[1]), reason: m[2].replace(/<!--|-->|\/\*|\*\//g, ' ').replace(/^[\s:—–-]+/, '').trim() });
  });
  return out;
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f)))
    .filter((f) => !f.split(path.sep).includes('node_modules') && statSync(f).isFile());
}

/** The line `line` (1-based) of a file names `check` in an eng-disable comment. */
function suppressedAt(file, line, check) {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  const m = SUPPRESSION.exec(text);
  return Boolean(m && checkIdsOf(m[1]).includes(check));
}

/**
 * A scannable copy of an assembled app. The tool lists only .js/.ts/.html files (not .cjs), and its JavaScript
 * parser cannot walk class private fields (#x), which the bundles keep (Node 22 / Chrome 140 targets); its
 * TypeScript parser can, and JavaScript is valid TypeScript: each script is copied as `<name>.ts`.
 */
function scanCopyOf(appDir) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-eneg-app-'));
  const originals = new Map();
  for (const file of filesUnder(appDir)) {
    const rel = path.relative(appDir, file);
    const isScript = /\.(c|m)?js$/.test(file);
    const copy = path.join(dir, isScript ? `${rel}.ts` : rel);
    cpSync(file, copy);
    originals.set(copy, file);
  }
  return { dir, originals };
}

/** Where a bundle line comes from, through the bundle's source map (next to it, or in ../electron/ for dist/app). */
function originOf(bundleFile, line, column) {
  const name = `${path.basename(bundleFile)}.map`;
  const mapFile = [path.join(path.dirname(bundleFile), name), path.join(path.dirname(bundleFile), '../electron', name)].find(existsSync);
  if (!mapFile) return null;
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  const entry = map.findEntry(line - 1, column);
  if (!entry || !entry.originalSource) return null;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource)
    : path.resolve(path.dirname(mapFile), entry.originalSource);
  return { file: source, line: entry.originalLine + 1 };
}

/**
 * The tool's messages in its bundled English, set up as its own i18n module does but without that module's download
 * of translations on every run (4 s of retries offline, a network call in CI): put in the module cache in its place.
 */
function offlineTranslations() {
  const i18nModule = require.resolve('@doyensec/electronegativity/dist/locales/i18n.js');
  const i18n = createRequire(i18nModule)('i18n');
  const setup = () => {
    i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: path.dirname(i18nModule), updateFiles: false,
      objectNotation: true, retryInDefaultLocale: true, register: globalThis });
    i18n.setLocale('en-US');
    return Promise.resolve();
  };
  require.cache[i18nModule] = { id: i18nModule, filename: i18nModule, loaded: true, exports: setup };
}

async function scan(input, excluded, electronVersion) {
  offlineTranslations();
  const run = require('@doyensec/electronegativity');
  return (run.default ?? run)({ input, electronVersionOverride: electronVersion, excludeFromScan: Object.keys(excluded) });
}

function assembleApp() {
  if (!existsSync(path.join(root, 'renderer/dist/index.html'))) {
    throw new Error('renderer/dist is missing: run `npm run build:renderer` first (the built pages are scanned too)');
  }
  const dist = mkdtempSync(path.join(tmpdir(), 'cpx-eneg-dist-'));
  execFileSync(process.execPath, [path.join(root, 'build/bundle.mjs'), '--dist', dist], { cwd: root, stdio: 'ignore' });
  return { appDir: path.join(dist, 'app'), cleanup: () => rmSync(dist, { recursive: true, force: true }) };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const toolVersion = JSON.parse(readFileSync(require.resolve('@doyensec/electronegativity/package.json'), 'utf8')).version;
  const problems = [];
  const explained = [];
  const cleanups = [];
  const rel = (f) => path.relative(root, f) || f;

  try {
    const suppressions = [];
    for (const dir of opts.sources) {
      suppressions.push(...filesUnder(dir).filter((f) => /\.(ts|js|html)$/.test(f)).flatMap((f) => suppressionsIn(f)));
      const result = await scan(dir, { ...EXCLUDED_EVERYWHERE, ...EXCLUDED_FROM_SOURCES }, electronVersion);
      for (const e of result.errors) problems.push(`${rel(e.file)}: not scanned (${e.message})`);
      for (const i of result.issues) {
        problems.push(i.file === GLOBAL ? `${i.id} ${i.severity.name} over ${rel(dir)} (a global check: ${i.description})`
          : `${i.id} ${i.severity.name} at ${rel(i.file)}:${i.location.line} — no eng-disable comment with its reason on that line`);
      }
    }

    if (!opts.noApp) {
      let appDir = opts.app;
      if (!appDir) {
        const built = assembleApp();
        cleanups.push(built.cleanup);
        appDir = built.appDir;
      }
      const copy = scanCopyOf(appDir);
      cleanups.push(() => rmSync(copy.dir, { recursive: true, force: true }));
      suppressions.push(...[...copy.originals.values()].filter((f) => f.endsWith('.html'))
        .flatMap((f) => suppressionsIn(f, `(bundled app) ${path.relative(appDir, f)}`)));
      const result = await scan(copy.dir, EXCLUDED_EVERYWHERE, electronVersion);
      for (const e of result.errors) problems.push(`${rel(copy.originals.get(e.file) ?? e.file)}: not scanned (${e.message})`);
      for (const i of result.issues) {
        if (i.file === GLOBAL) {
          problems.push(`${i.id} ${i.severity.name} over the bundled app (a global check: ${i.description})`);
          continue;
        }
        const shipped = copy.originals.get(i.file) ?? i.file;
        const where = `${path.relative(appDir, shipped)}:${i.location.line}`;
        const origin = originOf(shipped, i.location.line, i.location.column);
        if (NOT_APPLICABLE_IN_APP.some((n) => n.check === i.id && n.files.test(path.relative(appDir, shipped).split(path.sep).join('/')))) {
          explained.push(`${i.id} in ${where}: not applicable there (see above)`);
        } else if (origin && suppressedAt(origin.file, origin.line, i.id)) {
          explained.push(`${i.id} in ${where} ← ${rel(origin.file)}:${origin.line}`);
        } else {
          problems.push(`${i.id} ${i.severity.name} in the bundled app at ${where}${origin ? ` (from ${rel(origin.file)}:${origin.line})` : ''}`
            + ' — no eng-disable comment with its reason on the line that raises it');
        }
      }
    }

    for (const s of suppressions) {
      if (!s.reason) problems.push(`${s.where}: eng-disable ${s.checks.join(' ')} says no why (write the reason after the check ids)`);
    }

    console.log(`electronegativity ${toolVersion}, rules for Electron ${electronVersion}: ${opts.sources.map(rel).join(', ')}`
      + `${opts.noApp ? '' : ' and the bundled app'}`);
    for (const [name, why] of Object.entries({ ...EXCLUDED_EVERYWHERE, ...EXCLUDED_FROM_SOURCES })) console.log(`  excluded ${name}: ${why}`);
    if (!opts.noApp) for (const n of NOT_APPLICABLE_IN_APP) console.log(`  not applicable ${n.check} in ${n.files.source}: ${n.why}`);
    for (const s of suppressions) console.log(`  suppressed ${s.checks.join(' ')} at ${s.where}: ${s.reason || '(no reason)'}`);
    for (const e of explained) console.log(`  bundle finding explained: ${e}`);
    if (problems.length > 0) {
      console.log(`electronegativity: ${problems.length} finding(s) left unexplained`);
      for (const p of problems) console.log(`  ✗ ${p}`);
      process.exitCode = 1;
    } else {
      console.log(`electronegativity: 0 findings left unexplained (${suppressions.length} suppressed with a reason where raised, `
        + `${explained.length} in the bundled app explained)`);
    }
  } finally {
    for (const c of cleanups) c();
  }
}

await main();
