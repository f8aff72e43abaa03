// The app's core, assembled once for every face that hosts it: settings (user file under the IT policy), the log,
// the card service client with the options the settings give it, and the controller. The Electron shell and the
// development bridge differ only in the ports they plug in (how the card service runs, HTTP, the PIN prompt, the
// desktop), so a rule written here — which PKCS#11 module, named by whom — holds in both.

import type { CardServiceOptions } from '../protocol/card-service.ts';
import { AppController } from '../electron/core/controller.ts';
import { FileLogger } from '../electron/core/log.ts';
import type { PolicyReader } from '../electron/core/policy.ts';
import type { HttpPort, PinPromptPort, SystemPort } from '../electron/core/ports.ts';
import { SettingsStore } from '../electron/core/settings.ts';
import type { SettingValues } from '../electron/core/settings-schema.ts';
import type { SettingsView } from '../protocol/ipc.ts';
import { CardServiceClient } from '../native/service/client.ts';
import type { ServiceTransport } from '../native/service/transport.ts';

/** What a face plugs in; the transport and the PIN prompt may log, so they are made once the log exists. */
export interface FacePorts<P extends PinPromptPort = PinPromptPort> {
  cardTransport(log: FileLogger): ServiceTransport;
  pin(log: FileLogger): P;
  http: HttpPort;
  system: SystemPort;
}

export interface AppCoreOptions<P extends PinPromptPort = PinPromptPort> {
  /** The user's settings file, `<user data dir>/settings.json`. */
  settingsFile: string;
  logFile: string;
  policy: PolicyReader;
  /** Built-in defaults the face replaces (a development service address, a language). */
  defaults?: Partial<SettingValues>;
  /** The app's version, as the diagnostic report and the account service see it. */
  appVersion: string;
  /** How the card service names the app in the tokens it signs (default: `cpx-link/<appVersion>`). */
  cardAppVersion?: string;
  /** Runtime versions for the diagnostic report. */
  runtime: Record<string, string | undefined>;
  /** Card service slot polling period (ms); the service's own default otherwise. */
  pollMs?: number;
  ports: FacePorts<P>;
}

export interface AppCore<P extends PinPromptPort = PinPromptPort> {
  settings: SettingsStore;
  log: FileLogger;
  cards: CardServiceClient;
  /** The face's own PIN prompt, as the controller uses it. */
  pin: P;
  controller: AppController;
}

/**
 * The card service's start options from the settings: a module named by a policy or by the user is exclusive (no
 * fallback to another module), and errors about it name who set it.
 */
export function cardServiceOptions(view: SettingsView, rest: Omit<CardServiceOptions, 'modulePath' | 'modulePathSource' | 'lang'>): CardServiceOptions {
  const m = view.pkcs11Module;
  return {
    ...rest,
    lang: view.language.value,
    ...(m.value ? { modulePath: m.value, modulePathSource: m.source === 'policy' ? 'policy' as const : 'setting' as const } : {}),
  };
}

export async function assembleAppCore<P extends PinPromptPort>(opts: AppCoreOptions<P>): Promise<AppCore<P>> {
  const settings = await SettingsStore.open({ userFile: opts.settingsFile, policy: opts.policy, defaults: opts.defaults });
  const log = new FileLogger({ file: opts.logFile, level: () => settings.get('logging') });
  const cards = new CardServiceClient({
    transport: opts.ports.cardTransport(log),
    options: cardServiceOptions(settings.view(), {
      appVersion: opts.cardAppVersion ?? `cpx-link/${opts.appVersion}`,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    }),
  });
  const pin = opts.ports.pin(log);
  const controller = new AppController({
    cards, http: opts.ports.http, pin, settings, log, system: opts.ports.system,
    appVersion: opts.appVersion, runtime: opts.runtime,
  });
  return { settings, log, cards, pin, controller };
}
