// `CPX_PKCS11_MODULE` naming a module that is not there: every command says so — the code, the variable, the
// path — in French and English, human and --json, instead of falling back to whatever middleware is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExitClass } from '../../protocol/errors.ts';
import { json, runCli, runMain } from './run-cli.ts';

const missing = '/nonexistent/cpx-check.so';
// No CPX_PKCS11_MODULE_ONLY: the installed OpenSC (if any) is a candidate a silent fallback would pick.
const env = { CPX_PKCS11_MODULE: missing, CPX_PKCS11_MODULE_ONLY: '' };
const nonce = () => randomBytes(32).toString('base64');

test('card --json (the bin, as the acceptance check runs it): MODULE_NOT_FOUND naming the variable and the path', async () => {
  const run = await runCli(['card', '--json'], env);
  assert.equal(run.code, ExitClass.middleware);
  const out = json(run) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(out), ['error']);
  assert.equal(out.error.code, 'MODULE_NOT_FOUND');
  assert.ok(out.error.message.includes(`CPX_PKCS11_MODULE = ${missing}`), out.error.message);
});

test('card and authenticate, human output in both languages', async () => {
  const fr = await runMain(['card'], env);
  assert.equal(fr.code, ExitClass.middleware);
  assert.match(fr.stderr, /^Erreur : Le module PKCS#11 configuré \(CPX_PKCS11_MODULE = \/nonexistent\/cpx-check\.so\) est introuvable.*\[MODULE_NOT_FOUND\]/);
  const en = await runMain(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--pin-stdin', '--lang', 'en'], env, '1234\n');
  assert.equal(en.code, ExitClass.middleware);
  assert.match(en.stderr, /^Error: The configured PKCS#11 module \(CPX_PKCS11_MODULE = \/nonexistent\/cpx-check\.so\) was not found.*\[MODULE_NOT_FOUND\]/);
  const asJson = await runMain(['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--pin-stdin', '--json'], env, '1234\n');
  assert.equal((json(asJson).error as { code: string }).code, 'MODULE_NOT_FOUND');
});

test('diagnose: the configured module marked as the failure, nothing loaded, the advice is about the setting', async () => {
  const run = await runMain(['diagnose'], env);
  assert.equal(run.code, 0, 'diagnose reports; it does not fail');
  assert.match(run.stdout, /Logiciel de la carte \(PKCS#11\)\n {2}✘ \/nonexistent\/cpx-check\.so\n {6}fichier absent — module configuré par CPX_PKCS11_MODULE/);
  assert.doesNotMatch(run.stdout, /✔/, 'no other module in use');
  assert.match(run.stdout, /Lecteurs\n {2}inconnus : aucun logiciel de carte chargé/);
  assert.match(run.stdout, /Que faire \?\n {2}→ Le module PKCS#11 configuré \(CPX_PKCS11_MODULE = \/nonexistent\/cpx-check\.so\).*\[MODULE_NOT_FOUND\]/);
  assert.doesNotMatch(run.stdout, /installez Cryptolib CPS/i);

  const j = json(await runMain(['diagnose', '--json', '--lang', 'en'], env)) as {
    modules: { path: string; status: string; source: string }[]; advice: string[];
    moduleError: { code: string; path: string; source: string; message: string };
  };
  assert.deepEqual(j.modules[0], { ...j.modules[0], path: missing, status: 'not-found', source: 'environment' });
  assert.ok(j.modules.every((m) => m.status !== 'loaded'));
  assert.deepEqual({ ...j.moduleError, message: undefined }, { code: 'MODULE_NOT_FOUND', path: missing, source: 'environment', message: undefined });
  assert.match(j.moduleError.message, /^The configured PKCS#11 module \(CPX_PKCS11_MODULE = \/nonexistent\/cpx-check\.so\) was not found/);
});

test('a configured file that is not a library: MODULE_LOAD_FAILED with the path and the loader’s reason', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-cli-badmod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = path.join(dir, 'cps-broken.so');
  writeFileSync(bad, 'not a shared object\n');
  const run = await runMain(['card', '--json', '--lang', 'en'], { ...env, CPX_PKCS11_MODULE: bad });
  const e = json(run).error as { code: string; message: string };
  assert.equal(e.code, 'MODULE_LOAD_FAILED');
  assert.ok(e.message.includes(`(CPX_PKCS11_MODULE = ${bad}) could not be loaded (`), e.message);
});
