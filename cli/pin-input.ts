// Reading codes (PIN, PUK): on a terminal without echo (raw mode, digits only, backspace, Ctrl-C cancels), or one
// line each from stdin with --pin-stdin. A code is collected in a Buffer that is zeroed once copied out; the copy is
// zeroed by the card service client as soon as it is sent.

import type { Readable, Writable } from 'node:stream';
import { CpxError } from '../protocol/errors.ts';

const MAX_PIN = 16;

type TtyIn = Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

export function readPinFromTerminal(stdin: TtyIn, out: Writable, prompt: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const buf = Buffer.alloc(MAX_PIN);
    let len = 0;
    // Echo off before the prompt shows: keys typed as soon as it appears must not reach a cooked terminal.
    stdin.setRawMode?.(true);
    out.write(prompt);
    stdin.resume();
    const finish = (err: CpxError | null) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      out.write('\n');
      const pin = err ? null : Uint8Array.from(buf.subarray(0, len));
      buf.fill(0);
      if (err) reject(err); else resolve(pin!);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      for (const b of bytes) {
        if (b === 0x03 || b === 0x1b || (b === 0x04 && len === 0)) return finish(new CpxError('CANCELLED'));
        if (b === 0x0d || b === 0x0a || b === 0x04) return finish(null);
        if (b === 0x7f || b === 0x08) { if (len > 0) buf[--len] = 0; continue; }
        // Anything but a digit is ignored rather than echoed: a PIN is digits only.
        if (b >= 0x30 && b <= 0x39 && len < MAX_PIN) buf[len++] = b;
      }
      if (typeof chunk !== 'string') chunk.fill(0);
    };
    stdin.on('data', onData);
  });
}

/** One line from stdin (scripts, --pin-stdin); the line ending is dropped. */
export async function readPinLine(stdin: Readable): Promise<Uint8Array> {
  return (await readPinLines(stdin, 1))[0]!;
}

/**
 * `count` lines from stdin, one code each (`pin change --pin-stdin`: the current PIN, then the new one). Missing
 * lines come back empty (refused as malformed before anything reaches the card).
 */
export function readPinLines(stdin: Readable, count: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const lines: Uint8Array[] = [];
    const buf = Buffer.alloc(256);
    let len = 0;
    const endLine = () => {
      while (len > 0 && buf[len - 1] === 0x0d) len--;
      lines.push(Uint8Array.from(buf.subarray(0, len)));
      buf.fill(0);
      len = 0;
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', onError);
      stdin.pause();
      if (lines.length < count && len > 0) endLine();
      while (lines.length < count) lines.push(new Uint8Array(0));
      buf.fill(0);
      resolve(lines);
    };
    const onError = (err: Error) => { buf.fill(0); for (const l of lines) l.fill(0); reject(err); };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      for (const b of bytes) {
        if (lines.length === count) break;
        if (b === 0x0a) endLine();
        else if (len < buf.length) buf[len++] = b;
      }
      if (typeof chunk !== 'string') chunk.fill(0);
      if (lines.length === count) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.on('error', onError);
    stdin.resume();
  });
}

/** A yes/no line on the terminal (final-try confirmation). */
export function readLine(stdin: Readable, out: Writable, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    out.write(prompt);
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) { stdin.off('data', onData); stdin.pause(); resolve(text.slice(0, nl).trim()); }
    };
    stdin.on('data', onData);
    stdin.on('end', () => resolve(text.trim()));
    stdin.resume();
  });
}
