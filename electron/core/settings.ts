// Settings as the main process resolves them: managed policy over the user's own choices over defaults, each value
// with where it came from and whether IT locked it (a policy value is always locked). Read in main only; the UI
// gets the read-only SettingsView.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CpxError } from '../../protocol/errors.ts';
import type { SettingsView, SettingValue } from '../../protocol/ipc.ts';
import type { PolicyReader } from './policy.ts';
import {
  coerceSetting, DEFAULT_SETTINGS, layerFrom, SETTING_KEYS, type SettingKey, type SettingLayer, type SettingValues,
} from './settings-schema.ts';

export interface SettingsStoreOptions {
  /** The user's settings file, `<user data dir>/settings.json`. */
  userFile: string;
  policy: PolicyReader;
  /** Replaces some built-in defaults (the demo and the bridge point serviceUrl at their own reference service). */
  defaults?: Partial<SettingValues>;
}

export type SettingsListener = (view: SettingsView) => void;

export class SettingsStore {
  readonly #opts: SettingsStoreOptions;
  readonly #defaults: SettingValues;
  #policy: SettingLayer = { values: {}, problems: [] };
  #user: SettingLayer = { values: {}, problems: [] };
  readonly #listeners = new Set<SettingsListener>();

  private constructor(opts: SettingsStoreOptions) {
    this.#opts = opts;
    this.#defaults = { ...DEFAULT_SETTINGS, ...opts.defaults };
  }

  static async open(opts: SettingsStoreOptions): Promise<SettingsStore> {
    const store = new SettingsStore(opts);
    await store.#load();
    return store;
  }

  /** Reads policy and the user file again (IT may push a policy while the app runs); tells listeners when it changed. */
  async reload(): Promise<SettingsView> {
    const before = JSON.stringify(this.view());
    await this.#load();
    const view = this.view();
    if (JSON.stringify(view) !== before) this.#emit(view);
    return view;
  }

  get<K extends SettingKey>(key: K): SettingValues[K] {
    return this.#resolve(key).value;
  }

  values(): SettingValues {
    return Object.fromEntries(SETTING_KEYS.map((k) => [k, this.get(k)])) as SettingValues;
  }

  view(): SettingsView {
    return Object.fromEntries(SETTING_KEYS.map((k) => [k, this.#resolve(k)])) as unknown as SettingsView;
  }

  /** Values that were ignored (bad type, unknown name, unreadable file), one readable line each. */
  problems(): string[] {
    return [...this.#policy.problems, ...this.#user.problems];
  }

  /** Where policy is read from on this machine, for the diagnostic report. */
  get policySource(): string { return this.#opts.policy.describe; }

  /** Changes one of the user's own settings; refused when IT locked it or the value is not acceptable. */
  async setUser<K extends SettingKey>(key: K, value: unknown): Promise<SettingsView> {
    if (this.#resolve(key).locked) throw new CpxError('BAD_REQUEST', { detail: `${key}: locked by policy` });
    const c = coerceSetting(key, value);
    if (!c.ok) throw new CpxError('BAD_REQUEST', { detail: `${key}: ${c.problem}` });
    const before = JSON.stringify(this.view());
    this.#user = { values: { ...this.#user.values, [key]: c.value }, problems: this.#user.problems };
    await writeJsonAtomic(this.#opts.userFile, this.#user.values);
    const view = this.view();
    if (JSON.stringify(view) !== before) this.#emit(view);
    return view;
  }

  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  #resolve<K extends SettingKey>(key: K): SettingValue<SettingValues[K]> {
    const fromPolicy = this.#policy.values[key];
    if (fromPolicy !== undefined) return { value: fromPolicy as SettingValues[K], source: 'policy', locked: true };
    const fromUser = this.#user.values[key];
    if (fromUser !== undefined) return { value: fromUser as SettingValues[K], source: 'user', locked: false };
    return { value: this.#defaults[key], source: 'default', locked: false };
  }

  async #load(): Promise<void> {
    this.#policy = await this.#opts.policy.read();
    this.#user = await readUserLayer(this.#opts.userFile);
  }

  #emit(view: SettingsView): void {
    for (const l of this.#listeners) l(view);
  }
}

async function readUserLayer(file: string): Promise<SettingLayer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { values: {}, problems: [] }; // first start: no user settings yet
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('a JSON object is expected');
    return layerFrom(parsed as Record<string, unknown>, file);
  } catch (err) {
    return { values: {}, problems: [`${file}: unreadable (${(err as Error).message}), defaults used`] };
  }
}

/** Write-then-rename in the same directory: a crash or a full disk leaves the old file whole, never half a file. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { encoding: 'utf8', mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * The origins the app may contact: the allowed list when IT set one, otherwise just the service's own origin.
 * Origins are compared in their normalised URL form (lower-case host, default port dropped).
 */
export function allowedOriginsOf(values: Pick<SettingValues, 'serviceUrl' | 'allowedOrigins'>): string[] {
  const list = values.allowedOrigins.length ? values.allowedOrigins : [values.serviceUrl];
  const out = new Set<string>();
  for (const u of list) {
    try { out.add(new URL(u).origin); } catch { /* rejected by the schema already */ }
  }
  return [...out];
}
