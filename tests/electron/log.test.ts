// The log: a PIN or a password handed to it in any way never reaches the file; rotation keeps N bounded files.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CpxError } from '../../protocol/errors.ts';
import { FileLogger } from '../../electron/core/log.ts';
import { isSecretKey, Redactor } from '../../electron/core/redact.ts';
import type { LogSetting } from '../../electron/core/settings-schema.ts';

const PIN = '4817';
const LONG_PIN = '90817263';
const PASSWORD = 'Demo-CPx-2026!';
const SESSION = 'q9XbT2vLk3mN8pR4sW6yZ1aC5eG7iK0oU2wQ4tH6jM8';

let tmp: string;
before(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'cpx-log-')); });
after(async () => { await rm(tmp, { recursive: true, force: true }); });

async function allLogText(dir: string): Promise<string> {
  const names = await readdir(dir);
  return (await Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')))).join('');
}

describe('redaction', () => {
  test('secret field names are recognised in every naming style, harmless look-alikes are not', () => {
    for (const k of ['pin', 'PIN', 'userPin', 'pin_code', 'password', 'newPassword', 'PASSWORD', 'x-auth-token', 'accessToken',
      'session', 'sessionId', 'Authorization', 'cookie', 'puk', 'credentials', 'nonce']) assert.ok(isSecretKey(k), k);
    for (const k of ['pinpad', 'cardNumber', 'mapping', 'username', 'triesLeft', 'reader', 'spinner', 'origin']) assert.ok(!isSecretKey(k), k);
  });

  test('shapes: bearer values, key=value secrets, random blobs and lone 4–8 digit runs are masked', () => {
    const r = new Redactor();
    assert.equal(r.string(`Authorization: Bearer ${SESSION}`), 'Authorization: Bearer [redacted]');
    assert.equal(r.string(`retry with pin=${PIN} and password: "${PASSWORD}"`), 'retry with pin=[redacted] and password: [redacted]');
    assert.equal(r.string(`typed ${LONG_PIN}`), 'typed [redacted]');
    assert.equal(r.string(`session ${SESSION}`), 'session [redacted]');
    // what support needs stays readable
    const keep = 'card 2500012345 at 2026-01-31T10:00:00.000Z on http://127.0.0.1:8080 module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so v3.1 HTTP 401';
    assert.equal(r.string(keep), keep);
  });

  test('a held password is masked anywhere until released, and only then', () => {
    const r = new Redactor();
    const release = r.hold(PASSWORD);
    assert.equal(r.string(`server said: bad ${PASSWORD}!`), 'server said: bad [redacted]!');
    release();
    assert.equal(r.string(`x ${PASSWORD}`), `x ${PASSWORD}`);
  });
});

describe('log file', () => {
  test('a PIN and a password passed anywhere never reach the file', async () => {
    const dir = path.join(tmp, 'secrets');
    const log = new FileLogger({ file: path.join(dir, 'cpx-link.log'), level: () => 'debug' });
    const pinBytes = new TextEncoder().encode(PIN);
    const release = log.hold(PASSWORD);
    log.info('link.start', { username: 'demo.etab', password: PASSWORD, pin: PIN });
    log.debug('nested', { request: { body: { credentials: { password: PASSWORD } }, headers: { Authorization: `Bearer ${SESSION}` } } });
    log.debug('bytes', { buffer: pinBytes, list: [pinBytes, PIN, { userPin: LONG_PIN }] });
    log.warn('free text', { detail: `the user typed ${PIN} then ${LONG_PIN}`, note: `password=${PASSWORD}` });
    log.error('error object', { err: new Error(`C_Login failed with PIN ${PIN} for ${PASSWORD}`) });
    log.error('cpx error', { err: new CpxError('INTERNAL_ERROR', { detail: `body was {"password":"${PASSWORD}"}` }) });
    log.info(`event named with the pin ${PIN}`, { value: PASSWORD, session: SESSION, sessionToken: SESSION });
    log.info('session in text', { text: `session ${SESSION} ok` });
    release();
    log.close();

    const text = await allLogText(dir);
    assert.equal(text.trim().split('\n').length, 8, 'every call wrote a line');
    for (const secret of [PIN, LONG_PIN, PASSWORD, SESSION]) assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
    assert.ok(!text.includes('"password"') && !text.includes('"pin"'), 'secret field names are dropped');
    const first = JSON.parse(text.split('\n')[0]);
    assert.equal(first.event, 'link.start');
    assert.equal(first.username, 'demo.etab');
    assert.equal(first.level, 'info');
    assert.match(text, /\[4 bytes\]/);
  });

  test('the logging setting is read at each call: off writes nothing, error keeps warnings and errors', async () => {
    const dir = path.join(tmp, 'levels');
    let level: LogSetting = 'off';
    const log = new FileLogger({ file: path.join(dir, 'cpx-link.log'), level: () => level });
    log.error('dropped');
    level = 'error';
    log.info('dropped too');
    log.warn('kept warning');
    log.error('kept error');
    level = 'info';
    log.debug('dropped debug');
    log.info('kept info');
    log.close();
    const events = (await allLogText(dir)).trim().split('\n').map((l) => JSON.parse(l).event);
    assert.deepEqual(events, ['kept warning', 'kept error', 'kept info']);
    assert.deepEqual(log.recentLines().map((l) => JSON.parse(l).event), events);
  });

  test('rotation keeps at most maxFiles files of at most maxBytes each, newest lines in the live file', async () => {
    const dir = path.join(tmp, 'rotation');
    const file = path.join(dir, 'cpx-link.log');
    const log = new FileLogger({ file, level: () => 'info', maxBytes: 1000, maxFiles: 3 });
    for (let i = 0; i < 100; i++) log.info('line', { i, filler: 'x'.repeat(40) });
    log.close();
    assert.deepEqual((await readdir(dir)).sort(), ['cpx-link.log', 'cpx-link.log.1', 'cpx-link.log.2']);
    for (const n of await readdir(dir)) assert.ok((await stat(path.join(dir, n))).size <= 1000, n);
    const live = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).i);
    assert.equal(live.at(-1), 99);
    const older = (await readFile(`${file}.1`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).i);
    assert.equal(older.at(-1), live[0] - 1, 'rotated file holds the lines just before the live one');
  });

  test('an existing log is appended to, and its size counts towards rotation', async () => {
    const dir = path.join(tmp, 'reopen');
    const file = path.join(dir, 'cpx-link.log');
    const first = new FileLogger({ file, level: () => 'info', maxBytes: 300, maxFiles: 2 });
    first.info('one', { filler: 'y'.repeat(200) });
    first.close();
    const second = new FileLogger({ file, level: () => 'info', maxBytes: 300, maxFiles: 2 });
    second.info('two', { filler: 'z'.repeat(200) });
    second.close();
    assert.match(await readFile(`${file}.1`, 'utf8'), /"one"/);
    assert.match(await readFile(file, 'utf8'), /"two"/);
  });
});
