// The app's settings as every process names them: the one list of keys, in the order the settings screen, the
// policy templates and the deployment guide show them, and the values of the settings that are a choice. How a raw
// value is accepted, and how IT imposes each one, is electron/core/settings-schema.ts.

import type { SettingsView } from './ipc.ts';

export type SettingKey = keyof SettingsView;

export const SETTING_KEYS = [
  'serviceUrl', 'serviceName', 'allowedOrigins', 'pkcs11Module', 'language', 'region', 'supportContact', 'logging',
] as const satisfies readonly SettingKey[];

// A setting added to SettingsView but not to SETTING_KEYS fails to compile here.
const _everyKeyListed: [Exclude<SettingKey, (typeof SETTING_KEYS)[number]>] extends [never] ? true : never = true;

export const LOG_LEVELS = ['off', 'error', 'info', 'debug'] as const satisfies readonly SettingsView['logging']['value'][];
export type LogSetting = (typeof LOG_LEVELS)[number];
