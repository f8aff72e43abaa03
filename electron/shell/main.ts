// Electron main process: plugs Electron's ports (windows, preloads, PIN dialog, utility process, net) into the app
// core (app-core/assemble.ts: settings, log, card service client, controller) and does nothing else. Bundled by
// build/bundle.mjs into main.cjs.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { app, dialog, Menu, shell, type BrowserWindow } from 'electron';
import { toCpxError } from '../../protocol/errors.ts';
import type { BrowserLoginState, PinDialogRequest } from '../../protocol/ipc.ts';
import { assembleAppCore } from '../../app-core/assemble.ts';
import type { CardServiceClient } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import type { AppController } from '../core/controller.ts';
import { reportSwitchOf } from '../core/diagnostic-report.ts';
import type { FileLogger } from '../core/log.ts';
import { LINUX_POLICY_DIR, platformPolicyReader } from '../core/policy.ts';
import { SETTING_KEYS } from '../core/settings-schema.ts';
import { registerAppIpc } from './ipc.ts';
import { netHttp } from './net-http.ts';
import { PinDialog } from './pin-dialog.ts';
import { registerAppScheme, setupUiSession } from './ui-session.ts';
import { utilityTransport } from './utility-transport.ts';
import { followWindowVisibility } from './window-visibility.ts';
import { createMainWindow, hardenWebContents } from './windows.ts';

// The bundles sit side by side (dist/electron/ in a checkout, the app root once packaged); the renderer is
// renderer/ next to them once packaged, renderer/dist/ of the checkout otherwise.
const here = __dirname;
const bundle = (name: string) => path.join(here, name);
const rendererDir = [path.join(here, 'renderer'), path.resolve(here, '../../renderer/dist')].find((d) => existsSync(d))
  ?? path.resolve(here, '../../renderer/dist');

const POLICY_REFRESH_MS = 15 * 60_000;

// Development and test switches. A packaged app ignores them: a user must not be able to point the app at
// another policy folder or service than IT configured.
const dev = !app.isPackaged;
const devEnv = (name: string): string | undefined => (dev ? process.env[name] || undefined : undefined);
const userDataOverride = devEnv('CPX_USER_DATA_DIR');
if (userDataOverride) app.setPath('userData', userDataOverride);

// `--diagnostic-report <file>`: write the report and quit, with no window and without handing over to a running
// instance, so IT (and the Windows CI job) can see what the installed app reads on this workstation.
const reportFile = reportSwitchOf(process.argv);

app.enableSandbox();
registerAppScheme();

// The cpxlink: scheme is registered by the installer, per machine (MSI: HKLM; deb: the .desktop file; macOS:
// Info.plist) — never with app.setAsDefaultProtocolClient, which writes HKCU and would outlive an uninstall.
// macOS hands a link over as 'open-url', possibly before 'ready' when the link itself launched the app: the latest
// one waits here until the controller exists (one is enough: each link is a whole login request).
let receiveLink: ((raw: string) => void) | null = null;
let waitingLink: string | null = null;
app.on('open-url', (event, url) => {
  event.preventDefault();
  if (receiveLink) receiveLink(url);
  else waitingLink = url;
});

if (!reportFile && !app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(start).catch((err: unknown) => {
    const message = `CPx Link n'a pas pu démarrer : ${(err as Error)?.message ?? String(err)}`;
    if (reportFile) process.stderr.write(`${message}\n`); // nobody is there to close a dialog
    else dialog.showErrorBox('CPx Link', message);
    app.exit(70);
  });
}

async function start(): Promise<void> {
  let mainWindow: BrowserWindow | null = null;
  // In a checkout the PKCS#11 binding is built for Node, not for Electron: CPX_CARD_SERVICE_NODE names a Node to run
  // the card service with. A packaged app always uses the utility process (its binding is rebuilt for Electron).
  const workerNode = devEnv('CPX_CARD_SERVICE_NODE');
  const { settings, log, cards, pin, controller } = await assembleAppCore({
    settingsFile: path.join(app.getPath('userData'), 'settings.json'),
    logFile: path.join(app.getPath('logs'), 'cpx-link.log'),
    policy: platformPolicyReader(SETTING_KEYS, process.platform, devEnv('CPX_POLICY_DIR') ?? LINUX_POLICY_DIR),
    defaults: devEnv('CPX_SERVICE_URL') ? { serviceUrl: devEnv('CPX_SERVICE_URL')! } : {},
    appVersion: app.getVersion(),
    runtime: { electron: process.versions.electron, chrome: process.versions.chrome },
    ports: {
      cardTransport: (log) => (workerNode
        ? forkTransport({
          workerPath: bundle('card-service.cjs'), execPath: workerNode,
          output: (stream, text) => log.info(`card-service.${stream}`, { text: text.trim() }),
        })
        : utilityTransport(bundle('card-service.cjs'), log)),
      pin: (log) => new PinDialog(() => mainWindow, bundle('preload-pin.cjs'), log),
      http: netHttp(),
      system: {
        openExternal: (url) => shell.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK — the controller passes only links it checked
        chooseSavePath: async (defaultName) => {
          const options = { defaultPath: path.join(app.getPath('documents'), defaultName),
            filters: [{ name: 'JSON', extensions: ['json'] }] };
          const r = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
          return r.canceled || !r.filePath ? null : r.filePath;
        },
      },
    },
  });
  log.info('app.start', { version: app.getVersion(), electron: process.versions.electron, platform: process.platform,
    policyProblems: settings.problems().length });

  if (reportFile) return writeReportAndQuit(controller, cards, log, reportFile);

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => controller.checkExternalLink(url), log));
  setupUiSession(rendererDir, log);
  if (process.platform !== 'darwin') Menu.setApplicationMenu(null);

  const openMainWindow = () => {
    mainWindow = createMainWindow({ preload: bundle('preload-main.cjs'), log, onPageGone: () => controller.cancelFlow('window-gone') });
    mainWindow.on('closed', () => { mainWindow = null; });
    // The PIN window of the next operation, made now, hidden, beside its parent (pin-dialog.ts).
    pin.warm();
  };
  /** A link arrived (or the app was launched again): the window comes forward to say who asks, and how it ends. */
  const showMainWindow = () => {
    if (!mainWindow) return openMainWindow();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };
  registerAppIpc(controller, () => mainWindow?.webContents ?? null, log);
  // All windows hidden or minimised: the card service watches the readers at its slow pace until one shows again.
  followWindowVisibility((window) => { void controller.setVisibility(window); });
  if (devEnv('CPX_SHELL_TEST_HOOKS') === '1') exposeShellTestHooks(pin);
  openMainWindow();
  void cards.start().catch((err: unknown) => log.error('card-service.start-failed', { err }));
  // IT may push a policy while the app runs (GPO refresh): read it again now and then; the UI is told of changes.
  // A new PKCS#11 module applies at the next start of the app.
  setInterval(() => { void settings.reload().catch((err: unknown) => log.warn('settings.reload-failed', { err })); }, POLICY_REFRESH_MS).unref();

  // A browser login, Windows and Linux: the OS starts a second instance with the link among its arguments (in no
  // guaranteed order); it hands them to us and quits. The link is only ever parsed, never put on a command line.
  app.on('second-instance', (_event, argv) => {
    controller.openLoginLinkFromArgv(argv);
    showMainWindow();
  });
  // The link that launched this very instance.
  controller.openLoginLinkFromArgv(process.argv);
  receiveLink = (raw) => { controller.openLoginLink(raw); showMainWindow(); };
  if (waitingLink !== null) receiveLink(waitingLink);
  waitingLink = null;
  // Première connexion asks for typing in the main window once the PIN dialog is gone, and a refusal must be seen;
  // a login that succeeded leaves the browser in front, where the professional works.
  controller.subscribe((event, payload) => {
    const status = event === 'browser:login' ? (payload as BrowserLoginState).status : null;
    if (status === 'first-login' || status === 'failed') showMainWindow();
  });
  app.on('activate', () => { if (!mainWindow) openMainWindow(); });
  app.on('window-all-closed', () => app.quit());

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    controller.dispose();
    pin.dispose();
    // C_Finalize in the card service before we go, but never hang the quit on a stuck middleware.
    void cards.close(3000).catch(() => undefined).finally(() => {
      log.info('app.quit', {});
      log.close();
      app.quit();
    });
  });
}

/**
 * The report is written even when the card service cannot start (it then says why, under cardService.error); the
 * exit code says whether the file was written.
 */
async function writeReportAndQuit(controller: AppController, cards: CardServiceClient, log: FileLogger, file: string): Promise<void> {
  let code = 0;
  await cards.start().catch((err: unknown) => log.error('card-service.start-failed', { err }));
  try {
    await controller.writeDiagnostic(file);
  } catch (err) {
    const body = toCpxError(err).toBody();
    process.stderr.write(`CPx Link : ${body.code} — ${body.message}\n`);
    code = 1;
  }
  controller.dispose();
  await cards.close(3000).catch(() => undefined);
  log.close();
  app.exit(code);
}

/**
 * For tests/electron/shell.test.ts only (never in a packaged app): opens the PIN dialog without a card, so the
 * dialog's isolation can be checked where the card service cannot load a module. Answers what was typed as its shape
 * (length, digits only), never as the PIN itself.
 */
function exposeShellTestHooks(pin: PinDialog): void {
  (globalThis as { __cpxShellTest?: unknown }).__cpxShellTest = {
    async askPin(request: PinDialogRequest) {
      const answer = await pin.ask(request, new AbortController().signal);
      if (!answer) return null;
      const shape = { length: answer.pin.length, digitsOnly: answer.pin.every((b) => b >= 0x30 && b <= 0x39),
        confirmFinalTry: answer.confirmFinalTry };
      answer.pin.fill(0);
      return shape;
    },
    closePin: () => pin.close(),
  };
}
