// What every command gets: output mode, language, the terminal streams, and the card service client
// (started on first use, in its own process so a crashing middleware cannot take the CLI down).

import type { Readable, Writable } from 'node:stream';
import { CpxError, ERRORS, ExitClass, errorMessage, toCpxError, type Lang } from '../protocol/errors.ts';
import { CardServiceClient } from '../native/service/client.ts';
import { forkTransport } from '../native/service/transport.ts';
import { TEXT, type CliText } from './text.ts';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  env: NodeJS.ProcessEnv;
}

export class CliContext {
  readonly text: CliText;
  private service: CardServiceClient | null = null;

  constructor(readonly json: boolean, readonly lang: Lang, readonly io: CliIO) {
    this.text = TEXT[lang];
  }

  /** The card service, started now if it is not running yet. */
  async cards(): Promise<CardServiceClient> {
    if (!this.service) {
      const debug = this.io.env.CPX_CARD_SERVICE_LOG;
      this.service = new CardServiceClient({
        // One-shot commands: a crash is reported, not recovered from behind the user's back.
        restart: false,
        options: { lang: this.lang },
        transport: forkTransport({
          env: this.io.env,
          output: (stream, chunk) => { if (debug) this.io.stderr.write(chunk); else void stream; },
        }),
      });
      await this.service.start();
    }
    return this.service;
  }

  async close(): Promise<void> {
    await this.service?.close();
    this.service = null;
  }

  out(line = ''): void { this.io.stdout.write(`${line}\n`); }
  err(line = ''): void { this.io.stderr.write(`${line}\n`); }

  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, this.json ? 0 : 2)}\n`);
  }

  /** Prints the error the way the output mode asks and returns the exit code of its class. */
  fail(err: unknown): number {
    const e = toCpxError(err);
    const message = errorMessage(e.code, this.lang, e.params);
    if (this.json) this.printJson({ error: { code: e.code, message } });
    else this.err(`${this.text.errorPrefix} : ${message} [${e.code}]`.replace(' :', this.lang === 'fr' ? ' :' : ':'));
    return exitCodeOf(e);
  }
}

export function exitCodeOf(e: CpxError): number {
  return ExitClass[ERRORS[e.code].exit];
}

export function usageError(detail: string): CpxError {
  return new CpxError('BAD_REQUEST', { detail });
}
