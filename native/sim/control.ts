// Control of the simulated CPx card readers: writes the state-directory files that the C module
// (native/sim/*.c) reads on every call. File formats: native/sim/README.md. Every write is atomic
// (temporary file + rename), so a process using the module never reads half a file.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkcs11js from 'pkcs11js';
import { crlPath, trustPemPath } from './pki/index.ts';

const SIM_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SIM_DIR, '..', '..');
const MAX_READERS = 16; // SIM_MAX_READERS in sim.h
const PIN_TRIES = 3;
const SOURCES = ['module.c', 'backend.c', 'state.c', 'sim.h', 'sim_functions.h', 'p11.h', 'Makefile'];

export type FaultKind = 'device_error' | 'abort';

export interface SimLatency {
  loginMs: number;
  signMs: number;
  /** Time the user takes on a PIN-pad reader before the typed PIN is read. */
  pinpadMs: number;
  /** No PIN typed by then (from the start of C_Login): CKR_FUNCTION_CANCELED. */
  pinpadTimeoutMs: number;
}

export interface SimCard {
  tokenSerial: string;
  cardId: string;
  /** Changes at every insertion (re-inserting the same card is a new insertion). */
  insertion: string;
  triesLeft: number;
}

export interface SimReader {
  index: number;
  /** Slot description as PKCS#11 shows it. */
  name: string;
  card: SimCard | null;
  pinpad: boolean;
  /** A PIN was typed on the pad and not used yet. */
  pinTyped: boolean;
}

export interface SimStatus {
  dir: string;
  readers: SimReader[];
  /** Tries left per card id, for every card whose counter was ever written. */
  pinCounters: Record<string, number>;
  faults: Record<string, FaultKind>;
  latency: SimLatency;
  hiddenMechanisms: number[];
}

const DEFAULTS: Record<string, string> = {
  readers: '2', login_ms: '150', sign_ms: '250', pinpad_ms: '500', pinpad_timeout_ms: '30000',
};

export function defaultStateDir(): string {
  return process.env.CPX_SIM_STATE || join(REPO_ROOT, '.cache', 'sim-state');
}

export function modulePath(): string {
  return join(SIM_DIR, 'build', 'libcpxsim.so');
}

function moduleIsStale(): boolean {
  const out = modulePath();
  if (!existsSync(out)) return true;
  const built = statSync(out).mtimeMs;
  return SOURCES.some((f) => statSync(join(SIM_DIR, f)).mtimeMs > built);
}

/** Builds the module with the system C compiler when it is missing or older than its sources. */
export function ensureBuilt(): void {
  if (!moduleIsStale()) return;
  mkdirSync(join(SIM_DIR, 'build'), { recursive: true });
  // flock: test files run in parallel and may all find the module missing at once
  execFileSync('flock', [join(SIM_DIR, 'build', '.lock'), 'make', '-s', '-C', SIM_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function softhsmConfPath(dir: string): string {
  return join(resolve(dir), 'softhsm2.conf');
}

function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function parseLines(text: string | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim();
    if (eq < 0 || key === '' || key.startsWith('#')) continue;
    map.set(key, line.slice(eq + 1).trim());
  }
  return map;
}

function formatLines(map: Map<string, string>): string {
  return [...map].map(([k, v]) => `${k}=${v}\n`).join('');
}

const configPath = (dir: string) => join(resolve(dir), 'config');
const readerFile = (dir: string, reader: number, ext: 'card' | 'typed') => join(resolve(dir), 'readers', `${reader}.${ext}`);

function readConfig(dir: string): Map<string, string> {
  return parseLines(readText(configPath(dir)));
}

function updateConfig(dir: string, change: (config: Map<string, string>) => void): void {
  const config = readConfig(dir);
  change(config);
  writeAtomic(configPath(dir), formatLines(config));
}

function msValue(config: Map<string, string>, key: string): number {
  const n = Number(config.get(key) ?? DEFAULTS[key]);
  return Number.isInteger(n) && n >= 0 ? n : Number(DEFAULTS[key]);
}

function readerCount(config: Map<string, string>): number {
  return Math.min(MAX_READERS, Math.max(1, msValue(config, 'readers')));
}

function checkReader(dir: string, reader: number): void {
  const n = readerCount(readConfig(dir));
  if (!Number.isInteger(reader) || reader < 0 || reader >= n) throw new Error(`no reader ${reader} (the simulator has ${n})`);
}

function checkMs(name: string, ms: number | undefined): void {
  if (ms !== undefined && !(Number.isInteger(ms) && ms >= 0 && ms <= 3_600_000)) throw new Error(`${name} must be 0..3600000 ms`);
}

/** Creates (or completes) a state directory; an existing one keeps its cards, counters and settings. */
export function initState(dir: string, opts: { readers?: number; loginMs?: number; signMs?: number } = {}): void {
  const root = resolve(dir);
  if (opts.readers !== undefined && !(Number.isInteger(opts.readers) && opts.readers >= 1 && opts.readers <= MAX_READERS)) {
    throw new Error(`readers must be 1..${MAX_READERS}`);
  }
  checkMs('loginMs', opts.loginMs);
  checkMs('signMs', opts.signMs);
  for (const sub of ['tokens', 'readers', 'pins']) mkdirSync(join(root, sub), { recursive: true, mode: 0o700 });
  const conf = [
    '# Written by native/sim/control.ts: this state\'s own SoftHSM2 (never the user\'s configuration)',
    `directories.tokendir = ${join(root, 'tokens')}`,
    'objectstore.backend = file',
    'log.level = ERROR',
    'slots.removable = false',
    'slots.mechanisms = ALL',
    'library.reset_on_fork = false',
    '',
  ].join('\n');
  if (readText(softhsmConfPath(root)) !== conf) writeAtomic(softhsmConfPath(root), conf);
  const before = readText(configPath(root));
  const config = parseLines(before);
  for (const [k, v] of Object.entries(DEFAULTS)) if (!config.has(k)) config.set(k, v);
  if (opts.readers !== undefined) config.set('readers', String(opts.readers));
  if (opts.loginMs !== undefined) config.set('login_ms', String(opts.loginMs));
  if (opts.signMs !== undefined) config.set('sign_ms', String(opts.signMs));
  const after = formatLines(config);
  if (after !== before) writeAtomic(configPath(root), after);
}

const ID_RE = /^[A-Za-z0-9_-]{1,100}$/;

/** Puts the card (a SoftHSM token of this state) in the reader, replacing any card there. */
export function insertCard(dir: string, reader: number, tokenSerial: string, cardId: string): void {
  checkReader(dir, reader);
  if (!/^[0-9A-Fa-f]{1,32}$/.test(tokenSerial)) throw new Error(`invalid token serial: ${tokenSerial}`);
  if (!ID_RE.test(cardId)) throw new Error(`invalid card id (letters, digits, - and _): ${cardId}`);
  const insertion = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  writeAtomic(readerFile(dir, reader, 'card'), `serial=${tokenSerial}\ncard=${cardId}\ninsertion=${insertion}\n`);
}

function readCard(dir: string, reader: number): Omit<SimCard, 'triesLeft'> | null {
  const fields = parseLines(readText(readerFile(dir, reader, 'card')));
  const tokenSerial = fields.get('serial');
  if (!tokenSerial) return null;
  return { tokenSerial, cardId: fields.get('card') || tokenSerial, insertion: fields.get('insertion') || tokenSerial };
}

/** Takes the card out; returns what was in the reader (its token still exists: delete it if it is not reused). */
export function removeCard(dir: string, reader: number): { tokenSerial: string } | null {
  checkReader(dir, reader);
  const card = readCard(dir, reader);
  removeIfExists(readerFile(dir, reader, 'card'));
  return card ? { tokenSerial: card.tokenSerial } : null;
}

export function setPinpad(dir: string, reader: number, on: boolean): void {
  checkReader(dir, reader);
  updateConfig(dir, (c) => (on ? c.set(`pinpad.${reader}`, '1') : c.delete(`pinpad.${reader}`)));
}

/** What the user types on the reader's pad for the next PIN-pad C_Login (used once); null clears it. */
export function typeOnPinpad(dir: string, reader: number, pin: string | null): void {
  checkReader(dir, reader);
  const path = readerFile(dir, reader, 'typed');
  if (pin === null) return removeIfExists(path);
  if (!/^[0-9A-Za-z]{0,32}$/.test(pin)) throw new Error('a PIN pad only types letters and digits (at most 32)');
  writeAtomic(path, pin);
}

export function setLatency(dir: string, l: { loginMs?: number; signMs?: number; pinpadMs?: number; pinpadTimeoutMs?: number }): void {
  const keys = { loginMs: 'login_ms', signMs: 'sign_ms', pinpadMs: 'pinpad_ms', pinpadTimeoutMs: 'pinpad_timeout_ms' } as const;
  for (const k of Object.keys(keys) as (keyof typeof keys)[]) checkMs(k, l[k]);
  updateConfig(dir, (c) => {
    for (const k of Object.keys(keys) as (keyof typeof keys)[]) if (l[k] !== undefined) c.set(keys[k], String(l[k]));
  });
}

/** Makes every call of `fn` (e.g. 'C_Sign') fail with CKR_DEVICE_ERROR or abort() the process; null heals it. */
export function injectFault(dir: string, fn: string, kind: FaultKind | null): void {
  if (!/^C_[A-Za-z]+$/.test(fn)) throw new Error(`not a PKCS#11 function name: ${fn}`);
  updateConfig(dir, (c) => (kind ? c.set(`fault.${fn}`, kind) : c.delete(`fault.${fn}`)));
}

function mechanismValue(m: string | number): number {
  if (typeof m === 'number') return m;
  const value = (pkcs11js as unknown as Record<string, unknown>)[m];
  if (!m.startsWith('CKM_') || typeof value !== 'number') throw new Error(`unknown mechanism: ${m}`);
  return value;
}

/** Hides mechanisms (names like 'CKM_SHA256_RSA_PKCS' or numbers) from the cards: not listed, refused by *Init. */
export function hideMechanisms(dir: string, mechanisms: readonly (string | number)[]): void {
  const values = mechanisms.map(mechanismValue);
  updateConfig(dir, (c) => (values.length ? c.set('hide_mechanisms', values.map((v) => `0x${v.toString(16)}`).join(',')) : c.delete('hide_mechanisms')));
}

export function resetPinCounter(dir: string, cardId: string, tries: number = PIN_TRIES): void {
  if (!ID_RE.test(cardId)) throw new Error(`invalid card id: ${cardId}`);
  if (!(Number.isInteger(tries) && tries >= 0 && tries <= 99)) throw new Error('tries must be 0..99');
  mkdirSync(join(resolve(dir), 'pins'), { recursive: true, mode: 0o700 });
  writeAtomic(join(resolve(dir), 'pins', cardId), `${tries}\n`);
}

function triesLeft(dir: string, cardId: string): number {
  const text = readText(join(resolve(dir), 'pins', cardId));
  const n = text === null ? PIN_TRIES : Number(text.trim());
  return Number.isInteger(n) && n >= 0 ? n : PIN_TRIES;
}

// counters.bin (see state.c): header "CPXSIMC1", u32 records, u32 record size; records = name[56] + u64 count
const COUNTER_MAGIC = 'CPXSIMC1';
const HEADER_BYTES = 16;

function counterRecords(dir: string): { buf: Buffer; size: number; count: number } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(join(resolve(dir), 'counters.bin'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 8) !== COUNTER_MAGIC) return null;
  const count = buf.readUInt32LE(8);
  const size = buf.readUInt32LE(12);
  if (size < 16 || buf.length < HEADER_BYTES + count * size) return null;
  return { buf, size, count };
}

/** Calls received per function, and calls forwarded to SoftHSM as `softhsm.<fn>`; zero counts are left out. */
export function readCounters(dir: string): Record<string, number> {
  const records = counterRecords(dir);
  const out: Record<string, number> = {};
  if (!records) return out;
  const { buf, size, count } = records;
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * size;
    const name = buf.toString('latin1', at, at + size - 8).replace(/\0.*$/s, '');
    const n = Number(buf.readBigUInt64LE(at + size - 8));
    if (name && n > 0) out[name] = n;
  }
  return out;
}

/** Zeroes the counters in place (processes using the module keep the file mapped). */
export function resetCounters(dir: string): void {
  const records = counterRecords(dir);
  if (!records) return;
  const fd = openSync(join(resolve(dir), 'counters.bin'), 'r+');
  try {
    const zero = Buffer.alloc(8);
    for (let i = 0; i < records.count; i++) writeSync(fd, zero, 0, 8, HEADER_BYTES + i * records.size + records.size - 8);
  } finally {
    closeSync(fd);
  }
}

export function readerName(reader: number): string {
  return `CPx Link Simulated Reader [CCID Interface] 00 ${String(reader).padStart(2, '0')}`;
}

export function status(dir: string): SimStatus {
  const root = resolve(dir);
  const config = readConfig(root);
  const readers: SimReader[] = [];
  for (let r = 0; r < readerCount(config); r++) {
    const card = readCard(root, r);
    readers.push({
      index: r,
      name: readerName(r),
      card: card ? { ...card, triesLeft: triesLeft(root, card.cardId) } : null,
      pinpad: config.get(`pinpad.${r}`) === '1',
      pinTyped: existsSync(readerFile(root, r, 'typed')),
    });
  }
  const pinCounters: Record<string, number> = {};
  const pinsDir = join(root, 'pins');
  if (existsSync(pinsDir)) {
    for (const f of readdirSync(pinsDir)) if (ID_RE.test(f)) pinCounters[f] = triesLeft(root, f);
  }
  const faults: Record<string, FaultKind> = {};
  for (const [k, v] of config) {
    if (k.startsWith('fault.') && (v === 'device_error' || v === 'abort')) faults[k.slice(6)] = v;
  }
  return {
    dir: root,
    readers,
    pinCounters,
    faults,
    latency: {
      loginMs: msValue(config, 'login_ms'),
      signMs: msValue(config, 'sign_ms'),
      pinpadMs: msValue(config, 'pinpad_ms'),
      pinpadTimeoutMs: msValue(config, 'pinpad_timeout_ms'),
    },
    hiddenMechanisms: (config.get('hide_mechanisms') ?? '').split(',').filter(Boolean).map((v) => Number(v)),
  };
}

/** What a process needs in its environment to use the simulated readers of `dir` (and trust the test PKI). */
export function simEnv(dir: string): Record<string, string> {
  return {
    CPX_PKCS11_MODULE: modulePath(),
    CPX_SIM_STATE: resolve(dir),
    SOFTHSM2_CONF: softhsmConfPath(dir),
    CPX_TEST_TRUST: trustPemPath(),
    CPX_TEST_CRL: crlPath(),
  };
}
