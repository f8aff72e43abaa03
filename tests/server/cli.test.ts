// `npm run server` as scripts start it: the exact "listening on" line, the test-anchor warning, per-address
// rate limits with their defaults, HTTPS with HSTS, an explicitly allowed CORS origin, clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { testPki } from './tokens.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Started { child: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }

async function startMain(args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server', 'main.ts'), ...args], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CPX_TEST_TRUST: '', CPX_TEST_CRL: '', DATABASE_URL: '', ...env },
  });
  let out = ''; let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('listening on '));
      if (line) ok(line.slice('listening on '.length));
    });
    void exited.then((code) => fail(new Error(`exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('npm run server', () => {
  const dirs: string[] = [];
  const temp = () => { const d = mkdtempSync(join(tmpdir(), 'cpx-server-cli-')); dirs.push(d); return d; };
  let plain: Started;
  let pkiEnv: Record<string, string>;
  let dataDir: string;

  before(async () => {
    const pki = await testPki();
    pkiEnv = { CPX_TEST_TRUST: pki.trustPemPath, CPX_TEST_CRL: pki.crlPath };
    dataDir = temp();
    plain = await startMain(['--port', '0', '--data-dir', dataDir, '--seed'], pkiEnv);
  });
  after(() => {
    plain?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('prints exactly "listening on http://127.0.0.1:<port>" and warns about test anchors', async () => {
    assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(plain.stderr(), /autorités de TEST/);
    assert.deepEqual(await (await fetch(plain.url + '/api/health')).json(), { status: 'ok', db: 'pglite' });
  });

  it('limits link attempts per client address (30 a minute by default)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 31; i++) {
      codes.push(((await (await postJson(plain.url + '/api/cards/link', { username: 'x' })).json()) as { error: { code: string } }).error.code);
    }
    assert.deepEqual(codes.slice(0, 30), Array(30).fill('BAD_REQUEST'));
    const limited = await postJson(plain.url + '/api/cards/link', { username: 'x' });
    assert.equal(limited.status, 429);
    const body = await limited.json() as { error: { code: string; params: { retryAfter: number } } };
    assert.equal(body.error.code, 'RATE_LIMITED');
    assert.ok(body.error.params.retryAfter > 0 && body.error.params.retryAfter <= 60);
    // Other endpoints have their own allowance.
    assert.equal((await postJson(plain.url + '/api/auth/challenge', {})).status, 200);
  });

  it('stops cleanly on SIGTERM', async () => {
    plain.child.kill('SIGTERM');
    assert.equal(await plain.exited, 0);
  });

  it('refuses plain http on a non-loopback address', async () => {
    await assert.rejects(startMain(['--port', '0', '--host', '0.0.0.0', '--data-dir', temp()], pkiEnv), /qu'en local \(loopback\)/);
  });

  it('serves HTTPS with HSTS given a certificate and key, and opens CORS to the one allowed origin', async () => {
    const dir = temp();
    const cert = join(dir, 'cert.pem'); const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // The data directory of the first service (stopped above): reopening it is much quicker than a new one.
    const s = await startMain(['--port', '0', '--data-dir', dataDir, '--tls-cert', cert, '--tls-key', key,
      '--cors-origin', 'https://portail.example'], pkiEnv);
    try {
      assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await new Promise<{ status: number; headers: Record<string, unknown> }>((ok, fail) => {
        const req = https.request(s.url + '/api/auth/card-login', {
          method: 'OPTIONS', ca: readFileSync(cert),
          headers: { origin: 'https://portail.example', 'access-control-request-method': 'POST' },
        }, (res) => { res.resume(); ok({ status: res.statusCode ?? 0, headers: res.headers }); });
        req.on('error', fail);
        req.end();
      });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers['access-control-allow-origin'], 'https://portail.example');
      assert.match(String(answer.headers['strict-transport-security']), /max-age=\d+/);
      // Over https the pages' cookies are __Host- cookies: Secure, Path=/, no Domain.
      const page = await new Promise<string[]>((ok, fail) => {
        https.get(s.url + '/', { ca: readFileSync(cert) }, (res) => { res.resume(); ok(res.headers['set-cookie'] ?? []); }).on('error', fail);
      });
      assert.equal(page.length, 1);
      assert.match(page[0]!, /^__Host-cpx-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });
});
