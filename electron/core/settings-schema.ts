// The app's settings: their defaults, how a raw value (policy file, registry, plist, user file) is accepted and how
// IT imposes each one. One coercion per setting, shared by every source, so a value means the same wherever it comes
// from; the group policy templates and the deployment guide's table are generated from this file
// (build/gen-policies.ts). The keys themselves are protocol/settings.ts's, shared with the UI.

import { LANGS } from '../../protocol/errors.ts';
import type { SettingsView } from '../../protocol/ipc.ts';
import { LOG_LEVELS, SETTING_KEYS, type SettingKey } from '../../protocol/settings.ts';

export { LOG_LEVELS, SETTING_KEYS, type LogSetting, type SettingKey } from '../../protocol/settings.ts';
export type SettingValues = { [K in SettingKey]: SettingsView[K]['value'] };

/**
 * Defaults when neither IT nor the user chose. The service URL points at the reference service on this machine
 * (`npm run server` default port) so a fresh install without policy does something visible, not something remote.
 */
export const DEFAULT_SETTINGS: Readonly<SettingValues> = Object.freeze({
  serviceUrl: 'http://127.0.0.1:8080',
  serviceName: null,
  allowedOrigins: [],
  pkcs11Module: null,
  language: 'fr',
  region: null,
  supportContact: null,
  logging: 'info',
});

/** Thrown by a coercion: the source and key are added by the caller to build a readable problem line. */
class Rejected extends Error {}

/** The longest text any setting takes (the policy templates let IT type no more). */
export const MAX_TEXT = 2000;

function text(v: unknown): string {
  if (typeof v !== 'string') throw new Rejected(`string expected, got ${typeof v}`);
  const t = v.trim();
  if (t.length > MAX_TEXT) throw new Rejected('too long');
  return t;
}

function optionalText(v: unknown): string | null {
  if (v === null) return null;
  const t = text(v);
  return t === '' ? null : t;
}

function httpUrl(v: unknown): string {
  const t = text(v);
  let u: URL;
  try { u = new URL(t); } catch { throw new Rejected(`not a URL: ${t}`); }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Rejected(`http(s) URL expected: ${t}`);
  // Kept as written (minus a trailing slash): https-only and the allowed list are enforced where requests are made,
  // so the UI can show IT exactly what they configured.
  return t.replace(/\/+$/, '');
}

/** A list from JSON (array), a registry REG_MULTI_SZ (array) or one string separated by commas, semicolons or spaces. */
function urlList(v: unknown): string[] {
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,;]+/) : null;
  if (!items) throw new Rejected('list of URLs expected');
  return [...new Set(items.map((i) => text(i)).filter((i) => i !== '').map((i) => httpUrl(i)))];
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (v: unknown): T => {
    const t = text(v).toLowerCase();
    if (!(allowed as readonly string[]).includes(t)) throw new Rejected(`one of ${allowed.join(', ')} expected, got ${t}`);
    return t as T;
  };
}

/**
 * How IT writes a setting in a policy: the registry value type (and so the ADMX element: text, expandable text,
 * multi-line list or drop-down list), whether the policy must carry a value when enabled, and a choice's values.
 */
export interface PolicyForm {
  registry: 'REG_SZ' | 'REG_EXPAND_SZ' | 'REG_MULTI_SZ';
  required: boolean;
  choices?: readonly string[];
}

interface SettingSpec<T> {
  coerce: (v: unknown) => T;
  policy: PolicyForm;
}

const textPolicy = (required: boolean, registry: PolicyForm['registry'] = 'REG_SZ') => ({ registry, required });
function choice<T extends string>(choices: readonly T[]): SettingSpec<T> {
  return { coerce: oneOf(choices), policy: { registry: 'REG_SZ', required: true, choices } };
}

const SPECS: { [K in SettingKey]: SettingSpec<SettingValues[K]> } = {
  serviceUrl: { coerce: httpUrl, policy: textPolicy(true) },
  serviceName: { coerce: optionalText, policy: textPolicy(false) },
  allowedOrigins: { coerce: urlList, policy: textPolicy(true, 'REG_MULTI_SZ') },
  // %WINDIR%\System32\… is how IT names a module path on Windows.
  pkcs11Module: { coerce: optionalText, policy: textPolicy(true, 'REG_EXPAND_SZ') },
  language: choice(LANGS),
  region: { coerce: optionalText, policy: textPolicy(false) },
  supportContact: { coerce: optionalText, policy: textPolicy(false) },
  logging: choice(LOG_LEVELS),
};

export function policyForm(key: SettingKey): PolicyForm {
  return SPECS[key].policy;
}

/** The name IT gives a setting in the registry (`ServiceUrl`); JSON and plist policies use the key itself. */
export function policyValueName(key: SettingKey): string {
  return key[0]!.toUpperCase() + key.slice(1);
}

export type Coerced<K extends SettingKey> = { ok: true; value: SettingValues[K] } | { ok: false; problem: string };

export function coerceSetting<K extends SettingKey>(key: K, raw: unknown): Coerced<K> {
  try {
    return { ok: true, value: SPECS[key].coerce(raw) };
  } catch (err) {
    if (err instanceof Rejected) return { ok: false, problem: err.message };
    throw err;
  }
}

const BY_LOWER_NAME = new Map<string, SettingKey>(SETTING_KEYS.map((k) => [k.toLowerCase(), k]));

/** Policy sources name settings in their own style (`ServiceUrl` in the registry, `serviceUrl` in JSON): match ignoring case. */
export function settingKeyOf(name: string): SettingKey | null {
  return BY_LOWER_NAME.get(name.trim().toLowerCase()) ?? null;
}

/** A partial set of values, each accepted by its coercion, plus a line per value that was not. */
export interface SettingLayer {
  values: Partial<SettingValues>;
  problems: string[];
}

/** Turns a name → raw value record from any source into a layer, keeping what is valid and describing the rest. */
export function layerFrom(record: Record<string, unknown>, sourceName: string): SettingLayer {
  const layer: SettingLayer = { values: {}, problems: [] };
  for (const [name, raw] of Object.entries(record)) {
    const key = settingKeyOf(name);
    if (!key) { layer.problems.push(`${sourceName}: unknown setting "${name}" ignored`); continue; }
    const c = coerceSetting(key, raw);
    if (c.ok) (layer.values as Record<SettingKey, unknown>)[key] = c.value;
    else layer.problems.push(`${sourceName}: ${key} ignored (${c.problem})`);
  }
  return layer;
}
