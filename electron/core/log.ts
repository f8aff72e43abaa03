// The app's log: one JSON line per event in a size-rotated file, written only through the Redactor (redact.ts).
// Log calls take an event name and structured fields, never a preformatted message, so that what is written is
// decided here: secret fields are dropped by name, secret-looking values masked, bytes never written.

import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Redactor } from './redact.ts';
import type { LogSetting } from './settings-schema.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** What the rest of the app sees of the log. */
export interface LogPort {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Masks a secret the user typed (a password) in every line until the returned function is called. */
  hold(secret: string): () => void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Lowest level written for each `logging` setting; warnings are kept with errors. */
const THRESHOLD: Record<Exclude<LogSetting, 'off'>, number> = { debug: 0, info: 1, error: 2 };

export interface FileLoggerOptions {
  /** Log file; rotated copies are `<file>.1` (newest) … `<file>.<maxFiles-1>`. Omitted: memory only. */
  file?: string;
  maxBytes?: number;
  maxFiles?: number;
  /** Read at every call, so a settings change applies at once. */
  level: () => LogSetting;
  /** Lines kept in memory for the diagnostic report. */
  keepRecent?: number;
  now?: () => Date;
}

export class FileLogger implements LogPort {
  readonly #opts: Required<Omit<FileLoggerOptions, 'file'>> & { file?: string };
  readonly #redactor = new Redactor();
  readonly #recent: string[] = [];
  #fd: number | null = null;
  #size = 0;

  constructor(opts: FileLoggerOptions) {
    this.#opts = { maxBytes: 1 << 20, maxFiles: 5, keepRecent: 200, now: () => new Date(), ...opts };
  }

  debug(event: string, fields?: LogFields): void { this.#write('debug', event, fields); }
  info(event: string, fields?: LogFields): void { this.#write('info', event, fields); }
  warn(event: string, fields?: LogFields): void { this.#write('warn', event, fields); }
  error(event: string, fields?: LogFields): void { this.#write('error', event, fields); }

  hold(secret: string): () => void { return this.#redactor.hold(secret); }

  /** The last lines written (already redacted), oldest first. */
  recentLines(): string[] { return [...this.#recent]; }

  /** The redactor the log uses, so the diagnostic report applies exactly the same rules. */
  get redactor(): Redactor { return this.#redactor; }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #write(level: LogLevel, event: string, fields: LogFields = {}): void {
    const setting = this.#opts.level();
    if (setting === 'off' || RANK[level] < THRESHOLD[setting]) return;
    const body = this.#redactor.value(fields) as Record<string, unknown>;
    const line = JSON.stringify({ t: this.#opts.now().toISOString(), level, event: this.#redactor.string(event), ...body });
    this.#recent.push(line);
    if (this.#recent.length > this.#opts.keepRecent) this.#recent.shift();
    if (this.#opts.file) {
      try {
        this.#append(line + '\n');
      } catch {
        // A full disk or a locked file must not break a card login: the line stays in memory for the report.
      }
    }
  }

  #append(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.#fd === null) this.#open();
    if (this.#size > 0 && this.#size + bytes > this.#opts.maxBytes) {
      this.#rotate();
      this.#open();
    }
    writeSync(this.#fd!, text);
    this.#size += bytes;
  }

  #open(): void {
    const file = this.#opts.file!;
    mkdirSync(path.dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  #rotate(): void {
    this.close();
    const file = this.#opts.file!;
    const n = this.#opts.maxFiles;
    rmSync(`${file}.${n - 1}`, { force: true });
    for (let i = n - 2; i >= 1; i--) {
      try { renameSync(`${file}.${i}`, `${file}.${i + 1}`); } catch { /* not there yet */ }
    }
    if (n > 1) renameSync(file, `${file}.1`);
    else rmSync(file, { force: true });
  }
}
