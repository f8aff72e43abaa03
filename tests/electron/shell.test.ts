// The Electron shell itself, driven with Playwright's _electron: window security (no Node, isolation, no webview,
// CSP, navigation/popups/permissions denied), PIN dialog isolation (window.cpxPin only in the PIN window, window.cpx
// only in the main window), IPC sender checks (another web contents, even showing our page, is refused), single
// instance; the card service in Electron's utility process (pkcs11js loaded there, a simulated card read on Linux);
// `--diagnostic-report`. Runs wherever the Electron binary is installed; skips, saying why, where it is not (this
// machine: ELECTRON_SKIP_BINARY_DOWNLOAD). CPX_ELECTRON_APP names an app to run instead of a fresh build/bundle.mjs
// one: the CI jobs point it at an installed app's resources/app.asar, so its rebuilt native modules are the ones tested.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import type { WatchState } from '../../protocol/card.ts';
import type { PinDialogRequest } from '../../protocol/ipc.ts';
import type { Sim } from '../helpers/sim.ts';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * The Electron executable, found the way node_modules/electron/index.js finds it but without its side effect
 * (requiring that module downloads the binary when it is missing).
 */
function electronBinary(): string | null {
  const pkgDir = path.join(root, 'node_modules/electron');
  let name: string | null = null;
  try { name = readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim(); } catch { /* never installed */ }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? path.join(override, name ?? 'electron') : name ? path.join(pkgDir, 'dist', name) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const electronPath = electronBinary();
const SKIP = electronPath ? false
  : 'Electron binary not installed (node_modules/electron/dist is missing — installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); '
    + 'run `node node_modules/electron/install.js` to get it and this suite runs the shell for real';

/** The simulator builds on Linux only (SoftHSM2 and a C compiler from Debian packages); elsewhere no card is inserted. */
const WITH_SIM = process.platform === 'linux';

const PIN_REQUEST: PinDialogRequest = {
  requester: { name: null, origin: 'https://orientation.sante-centre.fr' },
  holder: { name: 'LUCIE BERNARD', cardType: 'CPS', profession: 'Médecin', cardNumber: '2801000016' },
  triesLeft: 3, finalTry: false, pinpad: false, timeoutMs: 30_000, lang: 'fr',
};

// Registered as one skipped test (counted in the run's "skipped" total) when there is no binary to drive.
if (SKIP) test('Electron shell (_electron)', { skip: SKIP }, () => {});
else describe('Electron shell (_electron)', () => {
  let tmp: string;
  let app: ElectronApplication;
  let main: Page;
  let env: Record<string, string>;
  let appDir: string;
  let xvfb: ChildProcess | null = null;
  let sim: Sim | null = null;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'cpx-shell-'));
    if (!existsSync(path.join(root, 'renderer/dist/pin.html'))) {
      await run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts'], { cwd: root });
    }
    if (process.env.CPX_ELECTRON_APP) {
      appDir = path.resolve(process.env.CPX_ELECTRON_APP);
    } else {
      await run(process.execPath, [path.join(root, 'build/bundle.mjs'), '--dist', path.join(tmp, 'dist')], { cwd: root });
      appDir = path.join(tmp, 'dist/app');
    }
    if (WITH_SIM) {
      const { makeSim } = await import('../helpers/sim.ts');
      sim = await makeSim({ readers: 1 });
      await sim.insert('cps-medecin', 0);
    }
    env = {
      ...process.env as Record<string, string>,
      ...sim?.env,
      ...(sim ? { CPX_PKCS11_MODULE_ONLY: '1' } : {}),
      CPX_USER_DATA_DIR: path.join(tmp, 'user-data'),
      CPX_POLICY_DIR: path.join(tmp, 'policies'),
      CPX_SERVICE_URL: 'http://127.0.0.1:9',
      CPX_SHELL_TEST_HOOKS: '1',
    };
    if (process.platform === 'linux' && !env.DISPLAY) {
      const started = await startXvfb();
      xvfb = started.process;
      env.DISPLAY = started.display;
    }
    app = await _electron.launch({ executablePath: electronPath!, args: electronArgs(appDir), env, timeout: 60_000 });
    main = await app.firstWindow();
    await main.waitForLoadState('domcontentloaded');
  });

  /** The PIN windows as main sees them, in order. */
  const pinWindows = () => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()
    .filter((w) => w.webContents.getURL().includes('pin.html')).map((w) => ({ visible: w.isVisible() })));
  /** The page of the PIN window (other than `not`), once there is one. */
  async function pinWindowPage(not?: Page): Promise<Page> {
    for (let i = 0; i < 200; i++) {
      const found = app.windows().find((w) => w !== not && !w.isClosed() && w.url().includes('pin.html'));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no PIN window');
  }

  after(async () => {
    await app?.close().catch(() => {});
    xvfb?.kill();
    await sim?.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });

  test('the main window runs our page with no Node, only window.cpx, no webview, and a CSP that blocks eval and inline code', async () => {
    assert.match(main.url(), /^cpx-app:\/\/ui\/index\.html/);
    assert.deepEqual(await main.evaluate('[typeof require, typeof process, typeof module, typeof Buffer]'),
      ['undefined', 'undefined', 'undefined', 'undefined']);
    assert.deepEqual(await main.evaluate('Object.keys(window.cpx).sort()'), ['invoke', 'on']);
    assert.equal(await main.evaluate("'cpxPin' in window"), false);
    assert.equal(await main.evaluate("document.createElement('webview') instanceof HTMLUnknownElement"), true);
    // Page code cannot eval (no 'unsafe-eval') nor run an injected inline script (no 'unsafe-inline'). Playwright's own
    // evaluate goes through the DevTools protocol, which the CSP does not govern.
    assert.equal(await main.evaluate("(() => { try { return String(eval('1 + 1')); } catch { return 'blocked'; } })()"), 'blocked');
    assert.equal(await main.evaluate(`(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return window.__inlineRan ?? false;
    })()`), false);
    assert.equal(await main.evaluate("fetch('https://example.org/').then(() => 'fetched', () => 'blocked')"), 'blocked');
  });

  test('permissions are refused, popups denied, navigation away refused', async () => {
    assert.equal(await main.evaluate("navigator.permissions.query({ name: 'geolocation' }).then((p) => p.state)"), 'denied');
    assert.equal(await main.evaluate('Notification.requestPermission()'), 'denied');
    assert.equal(await main.evaluate("window.open('https://evil.example.com/') === null"), true);
    const before = main.url();
    await main.evaluate("location.href = 'https://evil.example.com/'");
    // The navigation would have committed by the time a round trip to main comes back.
    await main.evaluate("window.cpx.invoke('app:snapshot', null)");
    assert.equal(main.url(), before);
    const logs = await app.evaluate(({ app: a }) => a.getPath('logs'));
    const logText = await readFile(path.join(logs, 'cpx-link.log'), 'utf8');
    assert.match(logText, /ui\.link-refused.*ORIGIN_NOT_ALLOWED/, 'the refused link is logged, not opened');
  });

  test('the main window\'s single channel answers Results, checks payloads, and cannot reach the PIN channels', async () => {
    const invoke = (channel: string, request: unknown) =>
      main.evaluate(`window.cpx.invoke(${JSON.stringify(channel)}, ${JSON.stringify(request)})`) as Promise<{ ok: boolean; error?: { code: string } }>;
    const snap = await invoke('app:snapshot', null);
    assert.equal(snap.ok, true);
    assert.equal((await invoke('account:link', { readerIndex: 0, username: 'x', password: 'y', extra: 1 })).error?.code, 'BAD_REQUEST');
    assert.equal((await invoke('cpx-pin:submit', '1234')).error?.code, 'BAD_REQUEST');
    assert.equal((await invoke('cpx-pin:request', null)).error?.code, 'BAD_REQUEST');
  });

  test('PIN dialog: its own modal child window with window.cpxPin only; the PIN reaches main as digits, never the main window', async () => {
    // Made ahead at start, hidden, its page loaded and waiting (pin-dialog.ts): the question shows in it.
    const pin = await pinWindowPage();
    assert.deepEqual(await pinWindows(), [{ visible: false }]);
    const answer = app.evaluate((_e, req) => (globalThis as unknown as { __cpxShellTest: { askPin(r: unknown): Promise<unknown> } })
      .__cpxShellTest.askPin(req), PIN_REQUEST);
    await pin.waitForLoadState('domcontentloaded');
    await pin.locator('#pin-heading').waitFor();
    assert.deepEqual(await pinWindows(), [{ visible: true }]);
    assert.match(pin.url(), /^cpx-app:\/\/ui\/pin\.html/);
    assert.equal(await pin.evaluate("'cpx' in window"), false);
    assert.deepEqual(await pin.evaluate('Object.keys(window.cpxPin).sort()'), ['cancel', 'request', 'submit']);
    assert.deepEqual(await pin.evaluate('[typeof require, typeof process]'), ['undefined', 'undefined']);
    assert.equal(await main.evaluate("'cpxPin' in window"), false);
    const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => ({
      url: w.webContents.getURL(), parent: w.getParentWindow()?.webContents.getURL() ?? null, modal: w.isModal(), resizable: w.isResizable(),
    })));
    const pinWin = windows.find((w) => w.url.includes('pin.html'));
    assert.ok(pinWin, JSON.stringify(windows));
    assert.match(pinWin!.parent ?? '', /index\.html/);
    assert.equal(pinWin!.modal, true);
    assert.equal(pinWin!.resizable, false);

    // Not digits: refused at the door with the PIN rule's error, for the page to show; the question stays open.
    assert.equal(await pin.evaluate("window.cpxPin.submit('12a4', false).then((r) => r.ok ? 'accepted' : r.error.code)"), 'PIN_FORMAT');
    await pin.evaluate("window.cpxPin.submit('1234', false)");
    assert.deepEqual(await answer, { length: 4, digitsOnly: true, confirmFinalTry: false });
    await app.evaluate(() => (globalThis as unknown as { __cpxShellTest: { closePin(): void } }).__cpxShellTest.closePin());
    // That window goes with its operation; the next one is made a moment later, hidden, with a fresh page.
    const next = await pinWindowPage(pin);
    assert.notEqual(next, pin);
    assert.deepEqual(await pinWindows(), [{ visible: false }]);
    assert.equal(await next.locator('#pin-input').count(), 0, 'no question, no field');
  });

  test('IPC from any other web contents is refused, even one showing our own page', async () => {
    const preload = path.join(tmp, 'rogue-preload.cjs');
    await writeFile(preload, "const { contextBridge, ipcRenderer } = require('electron');\n"
      + "contextBridge.exposeInMainWorld('rogue', { invoke: (...a) => ipcRenderer.invoke(...a) });\n");
    const opened = app.waitForEvent('window');
    await app.evaluate(async ({ BrowserWindow }, p) => {
      const w = new BrowserWindow({ show: false, webPreferences: { preload: p, sandbox: true, contextIsolation: true, partition: 'cpx-ui' } });
      await w.loadURL('cpx-app://ui/index.html');
    }, preload);
    const rogue = await opened;
    await rogue.waitForLoadState('domcontentloaded');
    const tryInvoke = (args: string) => rogue.evaluate(`window.rogue.invoke(${args}).then(() => 'served', (e) => e.message)`);
    assert.match(String(await tryInvoke("'cpx:invoke', 'app:snapshot', null")), /IPC refused/);
    assert.match(String(await tryInvoke("'cpx-pin:request'")), /IPC refused/);
    assert.match(String(await tryInvoke("'cpx-pin:submit', new Uint8Array([49, 50, 51, 52]), false")), /IPC refused/);
    await rogue.close();
  });

  test('the app runs the files under test: a fresh bundle, or the installed app CPX_ELECTRON_APP names', async () => {
    assert.equal(path.resolve(await app.evaluate(({ app: a }) => a.getAppPath())), appDir);
  });

  test('the card service runs in Electron\'s utility process: pkcs11js loads there and answers the main window', async () => {
    const refresh = () => main.evaluate("window.cpx.invoke('card:refresh', null)") as Promise<{ ok: boolean; value?: WatchState }>;
    let state = await refresh();
    // The card may still be being read when the window asks (the service reports readers first).
    for (let i = 0; WITH_SIM && state.ok && state.value!.kind !== 'CARD_PRESENT' && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = await refresh();
    }
    assert.equal(state.ok, true, JSON.stringify(state));
    // utilityProcess.fork's serviceName is the process's `name` in the metrics.
    const utilities = await app.evaluate(({ app: a }) => a.getAppMetrics().filter((m) => m.type === 'Utility').map((m) => m.name));
    assert.ok(utilities.includes('CPx Link card service'), JSON.stringify(utilities));
    if (WITH_SIM) {
      // The simulator's PKCS#11 module, loaded by pkcs11js inside the utility process, read the inserted card.
      assert.equal(state.value!.kind, 'CARD_PRESENT', JSON.stringify(state.value));
      assert.equal(state.value!.cards[0]?.holder?.surname, 'BERNARD');
    }
  });

  test('--diagnostic-report writes the report and quits with 0, beside a running instance, without a window', async () => {
    const file = path.join(tmp, 'report.json');
    const child = spawn(electronPath!, [...electronArgs(appDir), '--diagnostic-report', file], { env, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    const report = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(report.format, 'cpx-link-diagnostic:1');
    assert.equal(report.app.runtime.electron, await app.evaluate(() => process.versions.electron));
    assert.ok(!('error' in report.cardService), JSON.stringify(report.cardService));
    if (process.platform === 'linux') assert.equal(report.policy.readFrom, path.join(env.CPX_POLICY_DIR, '*.json'));
    if (WITH_SIM) assert.equal(report.cardService.cards[0]?.holder?.surname, 'BERNARD');
  });

  test('a second launch hands over to the running instance and exits', async () => {
    const second = spawn(electronPath!, electronArgs(appDir), { env, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(code, 0);
    assert.equal(await main.evaluate('document.readyState'), 'complete', 'the first instance is still there');
  });
});

function electronArgs(appDir: string): string[] {
  // Chromium refuses to start as root without its OS sandbox switched off (containers, CI); the renderer sandbox
  // (webPreferences.sandbox) is unaffected.
  return [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appDir];
}

async function startXvfb(): Promise<{ process: ChildProcess; display: string }> {
  for (let n = 90; n < 110; n++) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const p = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await new Promise((r) => setTimeout(r, 50));
    if (existsSync(`/tmp/.X11-unix/X${n}`)) return { process: p, display: `:${n}` };
    p.kill();
  }
  throw new Error('no display: Xvfb could not start');
}
