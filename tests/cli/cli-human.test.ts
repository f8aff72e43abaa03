// The human output (French by default, English with --lang en): one-screen diagnosis with advice, cards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain, useCliSimulator } from './run-cli.ts';

const fx = useCliSimulator(1);

test('diagnose in French: module in use, readers, the card, and what to do next', async () => {
  const empty = await runMain(['diagnose'], fx.env);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /Logiciel de la carte \(PKCS#11\)\n {2}✔ .*libcpxsim\.so\n {6}utilisé : /);
  assert.match(empty.stdout, /Lecteurs\n {2}0\. CPx Link Simulated Reader .* — vide/);
  assert.match(empty.stdout, /Que faire \?\n {2}→ Insérez votre carte CPx/);
  const card = await fx.sim.insert('cps-accents', 0);
  fx.sim.resetPinCounter(card.cardId, 1);
  const run = await runMain(['diagnose'], fx.env);
  assert.match(run.stdout, /Titulaire : HÉLÈNE-ÉLODIE DUPONT-LÉGER/);
  assert.match(run.stdout, /Code porteur : 1 essai restant/);
  assert.match(run.stdout, /plus que 1 essai de code porteur/);
  assert.ok(run.stdout.split('\n').length < 40, 'fits on one screen');
});

test('diagnose in English, and a module built for another CPU explained as such', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpx-arch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lib = path.join(dir, 'libcps3_pkcs11_lux.so');
  copyFileSync('/usr/lib/softhsm/libsofthsm2.so', lib);
  const fd = openSync(lib, 'r+');
  writeSync(fd, Buffer.from([1]), 0, 1, 4); // ELFCLASS32
  writeSync(fd, Buffer.from([3, 0]), 0, 2, 18); // EM_386
  closeSync(fd);
  const run = await runMain(['diagnose', '--lang', 'en'], { ...fx.env, CPX_PKCS11_MODULE: lib });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /✘ .*libcps3_pkcs11_lux\.so\n {6}file architecture \(elf ia32 32-bit\) does not match/);
  assert.match(run.stdout, /Readers\n {2}unknown: no card middleware loaded/);
  // Set through CPX_PKCS11_MODULE: the advice names that setting and the file, not a Cryptolib to install.
  assert.match(run.stdout, /What to do next\n {2}→ The configured PKCS#11 module \(CPX_PKCS11_MODULE = .*libcps3_pkcs11_lux\.so\) is not built for this software’s architecture \(elf ia32 32-bit\)/);
  const card = await runMain(['card', '--lang', 'en'], { ...fx.env, CPX_PKCS11_MODULE: lib });
  assert.equal(card.code, 3);
  assert.match(card.stderr, /^Error: The configured PKCS#11 module .* is not built for this software’s architecture .*\[MODULE_WRONG_ARCH\]/);
});

test('card in French lists the holder, identifier, PIN state and certificates', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cpa', 0);
  const run = await runMain(['card'], fx.env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Carte CPA n° 2801000065 — lecteur « CPx Link Simulated Reader/);
  assert.match(run.stdout, /Identifiant national : SIRET\/identifiant interne: 599999999800019\/CPAT00042/);
  assert.match(run.stdout, /Code porteur : 3 essais restants/);
  assert.match(run.stdout, /Certificat d'authentification : valable jusqu'au \d\d\/\d\d\/\d{4}/);
});
