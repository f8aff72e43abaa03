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
const PIN_TRIES = 3; // SIM_PIN_TRIES
const PUK_TRIES = 3; // SIM_PUK_TRIES
const SOURCES = ['module.c', 'backend.c', 'state.c', 'sim.h', 'sim_functions.h', 'p11.h', 'Makefile'];

export type FaultKind = 'device_error' | 'abort' | 'not_supported' | 'no_event';
const FAULT_KINDS: readonly FaultKind[] = ['device_error', 'abort', 'not_supported', 'no_event'];
export const isFaultKind = (v: string): v is FaultKind => (FAULT_KINDS as readonly string[]).includes(v);

export interface SimLatency {
  loginMs: number;
  signMs: number;
  /** Time the user takes on a PIN-pad reader before the typed PIN is read. */
  pinpadMs: number;
  /** No PIN typed by then (from the start of C_Login): CKR_FUNCTION_CANCELED. */
  pinpadTimeoutMs: number;
  /**
   * The middleware's own card detection period: a card inserted, removed or swapped shows in the slots only at its
   * next detection (Cryptolib polls GALSS readers every 2 s). 0: at once.
   */
  detectMs: number;
}

/** As on a real workstation: a card's own slowness and Cryptolib's 2-second detection of GALSS readers. */
export const WORKSTATION_LATENCY: Readonly<SimLatency> = Object.freeze({
  loginMs: 150, signMs: 250, pinpadMs: 500, pinpadTimeoutMs: 30_000, detectMs: 2000,
});

export interface SimCard {
  tokenSerial: string;
  cardId: string;
  /** Changes at every insertion (re-inserting the same card is a new insertion). */
  insertion: string;
  triesLeft: number;
  /** The PUK's own tries. */
  pukTriesLeft: number;
}

export interface SimReader {
  /** The physical reader (its name and files); its slot ID is its position among the readers plugged in. */
  index: number;
  plugged: boolean;
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
  pukCounters: Record<string, number>;
  faults: Record<string, FaultKind>;
  latency: SimLatency;
  hiddenMechanisms: number[];
}

const DEFAULTS: Record<string, string> = {
  readers: '2', login_ms: '150', sign_ms: '250', pinpad_ms: '500', pinpad_timeout_ms: '30000', detect_ms: '0',
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
  return Math.min(MAX_READERS, Math.max(0, msValue(config, 'readers')));
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
  if (opts.readers !== undefined) checkReaderCount(opts.readers);
  checkMs('loginMs', opts.loginMs);
  checkMs('signMs', opts.signMs);
  for (const sub of ['tokens', 'readers', 'pins', 'puks']) mkdirSync(join(root, sub), { recursive: true, mode: 0o700 });
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

function checkReaderCount(n: number): void {
  // 0: a machine with no reader at all (a virtual machine: Cryptolib's `no_reader_found`)
  if (!(Number.isInteger(n) && n >= 0 && n <= MAX_READERS)) throw new Error(`readers must be 0..${MAX_READERS}`);
}

/** How many readers the machine has (plugging one into a machine that had none, or taking the last ones away). */
export function setReaderCount(dir: string, readers: number): void {
  checkReaderCount(readers);
  updateConfig(dir, (c) => c.set('readers', String(readers)));
}

/**
 * Unplugs a reader (its card with it) or plugs it back. The readers after it move up one slot, as Cryptolib's slot
 * list does after an unplug; the reader keeps its name.
 */
export function setReaderPlugged(dir: string, reader: number, plugged: boolean): void {
  checkReader(dir, reader);
  updateConfig(dir, (c) => (plugged ? c.delete(`unplugged.${reader}`) : c.set(`unplugged.${reader}`, '1')));
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

function readCard(dir: string, reader: number): Omit<SimCard, 'triesLeft' | 'pukTriesLeft'> | null {
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

/**
 * What the user types on the reader's pad, used by the next PIN-pad calls: one code per call that asks for one (a
 * login takes one; a PIN change the current then the new; an unblock the PUK, then the new PIN). null clears it.
 */
export function typeOnPinpad(dir: string, reader: number, typed: string | readonly string[] | null): void {
  checkReader(dir, reader);
  const path = readerFile(dir, reader, 'typed');
  if (typed === null) return removeIfExists(path);
  const codes = typeof typed === 'string' ? [typed] : typed;
  if (!codes.every((c) => /^[0-9A-Za-z]{0,32}$/.test(c))) throw new Error('a PIN pad only types letters and digits (at most 32)');
  writeAtomic(path, codes.join('\n'));
}

export function setLatency(dir: string, l: Partial<SimLatency>): void {
  const keys = {
    loginMs: 'login_ms', signMs: 'sign_ms', pinpadMs: 'pinpad_ms', pinpadTimeoutMs: 'pinpad_timeout_ms', detectMs: 'detect_ms',
  } as const;
  for (const k of Object.keys(keys) as (keyof typeof keys)[]) checkMs(k, l[k]);
  updateConfig(dir, (c) => {
    for (const k of Object.keys(keys) as (keyof typeof keys)[]) if (l[k] !== undefined) c.set(keys[k], String(l[k]));
  });
}

/**
 * Makes every call of `fn` (e.g. 'C_Sign') fail with CKR_DEVICE_ERROR, answer CKR_FUNCTION_NOT_SUPPORTED (a
 * middleware without that function, e.g. C_SetPIN), answer CKR_NO_EVENT (for C_WaitForSlotEvent: a middleware whose
 * slot events never come) or abort() the process; null heals it.
 */
export function injectFault(dir: string, fn: string, kind: FaultKind | null): void {
  if (!/^C_[A-Za-z]+$/.test(fn)) throw new Error(`not a PKCS#11 function name: ${fn}`);
  if (kind !== null && !isFaultKind(kind)) throw new Error(`unknown fault: ${String(kind)}`);
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

type Counter = 'pins' | 'puks';
const FULL: Record<Counter, number> = { pins: PIN_TRIES, puks: PUK_TRIES };

function writeCounter(dir: string, counter: Counter, cardId: string, tries: number): void {
  if (!ID_RE.test(cardId)) throw new Error(`invalid card id: ${cardId}`);
  if (!(Number.isInteger(tries) && tries >= 0 && tries <= 99)) throw new Error('tries must be 0..99');
  mkdirSync(join(resolve(dir), counter), { recursive: true, mode: 0o700 });
  writeAtomic(join(resolve(dir), counter, cardId), `${tries}\n`);
}

export function resetPinCounter(dir: string, cardId: string, tries: number = PIN_TRIES): void {
  writeCounter(dir, 'pins', cardId, tries);
}

/** The PUK's own counter (3 tries; at 0 the card cannot be unblocked any more). */
export function resetPukCounter(dir: string, cardId: string, tries: number = PUK_TRIES): void {
  writeCounter(dir, 'puks', cardId, tries);
}

function triesLeft(dir: string, cardId: string, counter: Counter = 'pins'): number {
  const text = readText(join(resolve(dir), counter, cardId));
  const n = text === null ? FULL[counter] : Number(text.trim());
  return Number.isInteger(n) && n >= 0 ? n : FULL[counter];
}

function countersIn(root: string, counter: Counter): Record<string, number> {
  const out: Record<string, number> = {};
  const folder = join(root, counter);
  if (existsSync(folder)) for (const f of readdirSync(folder)) if (ID_RE.test(f)) out[f] = triesLeft(root, f, counter);
  return out;
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
      plugged: config.get(`unplugged.${r}`) !== '1',
      name: readerName(r),
      card: card ? { ...card, triesLeft: triesLeft(root, card.cardId), pukTriesLeft: triesLeft(root, card.cardId, 'puks') } : null,
      pinpad: config.get(`pinpad.${r}`) === '1',
      pinTyped: existsSync(readerFile(root, r, 'typed')),
    });
  }
  const faults: Record<string, FaultKind> = {};
  for (const [k, v] of config) {
    if (k.startsWith('fault.') && isFaultKind(v)) faults[k.slice(6)] = v;
  }
  return {
    dir: root,
    readers,
    pinCounters: countersIn(root, 'pins'),
    pukCounters: countersIn(root, 'puks'),
    faults,
    latency: {
      loginMs: msValue(config, 'login_ms'),
      signMs: msValue(config, 'sign_ms'),
      pinpadMs: msValue(config, 'pinpad_ms'),
      pinpadTimeoutMs: msValue(config, 'pinpad_timeout_ms'),
      detectMs: msValue(config, 'detect_ms'),
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
