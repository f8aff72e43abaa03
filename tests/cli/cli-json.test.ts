// The CLI's contract (../shared/contracts.md): JSON shapes of card, diagnose, authenticate and errors, and one
// exit code per error class (protocol/errors.ts ExitClass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { ExitClass } from '../../protocol/errors.ts';
import { json, runCli, runMain, useCliSimulator } from './run-cli.ts';

const fx = useCliSimulator(2);

const keys = (o: unknown) => Object.keys(o as object).sort();
const nonce = () => randomBytes(32).toString('base64');

test('card --json: the contract shape, read from the card', async () => {
  await fx.sim.insert('cpe', 0);
  const run = await runCli(['card', '--json'], fx.env);
  assert.equal(run.code, 0, run.stderr);
  const out = json(run);
  assert.deepEqual(keys(out), ['cards']);
  const card = (out.cards as Record<string, unknown>[])[0]!;
  for (const k of ['reader', 'label', 'cardNumber', 'cardType', 'pin', 'holder', 'certificates']) assert.ok(k in card, k);
  assert.equal(card.cardType, 'CPE');
  assert.equal(card.cardNumber, '2801000040');
  assert.deepEqual(card.pin, { triesLeft: 3, locked: false, pinpad: false });
  const holder = card.holder as Record<string, unknown>;
  for (const k of ['surname', 'givenName', 'profession', 'nationalId']) assert.ok(k in holder, k);
  assert.deepEqual(holder.nationalId, { raw: '3330999996/CPET00001', type: 'FINESS', id: '330999996/CPET00001', structureId: '330999996', internalId: 'CPET00001' });
  for (const c of card.certificates as Record<string, unknown>[]) {
    for (const k of ['role', 'subject', 'issuer', 'notBefore', 'notAfter', 'daysLeft']) assert.ok(k in c, k);
    assert.ok(c.role === 'authentication' || c.role === 'signature');
    assert.equal(typeof c.daysLeft, 'number');
  }
});

test('diagnose --json: modules, readers, cards, advice', async () => {
  const run = await runCli(['diagnose', '--json'], fx.env);
  assert.equal(run.code, 0, run.stderr);
  const out = json(run);
  assert.deepEqual(keys(out), ['advice', 'cards', 'modules', 'readers']);
  const m = (out.modules as Record<string, unknown>[])[0]!;
  for (const k of ['path', 'status', 'manufacturer', 'description', 'version', 'message']) assert.ok(k in m, k);
  assert.equal(m.status, 'loaded');
  assert.equal(m.path, fx.sim.module);
  assert.deepEqual(out.readers, [
    { name: 'CPx Link Simulated Reader [CCID Interface] 00 00', card: true },
    { name: 'CPx Link Simulated Reader [CCID Interface] 00 01', card: false },
  ]);
  assert.equal((out.cards as unknown[]).length, 1);
  assert.ok((out.advice as string[]).every((a) => typeof a === 'string' && a.length > 0));
});

test('authenticate --pin-stdin --json: a token an independent verifier accepts', async () => {
  const n = nonce();
  const run = await runCli(['authenticate', '--origin', 'https://example.org', '--nonce', n, '--pin-stdin', '--json'], fx.env, '1234\n');
  assert.equal(run.code, 0, run.stderr);
  const t = json(run) as Record<string, string>;
  assert.deepEqual(keys(t), ['algorithm', 'appVersion', 'format', 'signature', 'unverifiedCertificate']);
  const h = (s: string) => createHash('sha256').update(s).digest();
  const cert = new X509Certificate(Buffer.from(t.unverifiedCertificate!, 'base64'));
  assert.ok(verify('sha256', Buffer.concat([h('https://example.org'), h(n)]), cert.publicKey, Buffer.from(t.signature!, 'base64')));
});

test('wrong PINs through the CLI: tries 3 → 2 → 1 → 0, exit class pin, then the locked card is refused', async () => {
  fx.sim.remove(0);
  await fx.sim.insert('cps-pharmacien', 0);
  const n = nonce();
  const args = ['authenticate', '--origin', 'https://example.org', '--nonce', n, '--pin-stdin', '--json'];
  for (const [pin, want] of [['86420975', 'PIN_INCORRECT'], ['5791', 'PIN_INCORRECT'], ['97531', 'PIN_LOCKED']] as const) {
    const run = await runCli(args, fx.env, `${pin}\n`);
    assert.equal(run.code, ExitClass.pin, run.stdout + run.stderr);
    const err = json(run).error as Record<string, string>;
    assert.deepEqual(keys(json(run)), ['error']);
    assert.deepEqual(keys(err), ['code', 'message']);
    assert.equal(err.code, want);
    assert.ok(!run.stdout.includes(pin) && !run.stderr.includes(pin), 'the PIN never appears in the output');
  }
  assert.equal(fx.sim.status().readers[0]!.card!.triesLeft, 0);
  const locked = await runCli(args, fx.env, '1234\n');
  assert.equal(locked.code, ExitClass.pin);
  assert.equal((json(locked).error as Record<string, string>).code, 'PIN_LOCKED');
  const card = await runCli(['card', '--json'], fx.env);
  assert.deepEqual((json(card).cards as { pin: unknown }[])[0]!.pin, { triesLeft: 0, locked: true, pinpad: false });
});

test('one exit code per error class, errors as {"error":{"code","message"}} on stdout', async () => {
  const cases: { args: string[]; env?: Record<string, string>; input?: string; code: string; exit: number; before?: () => Promise<void> | void }[] = [
    { args: ['authenticate', '--origin', 'https://example.org/path', '--nonce', nonce(), '--pin-stdin'], code: 'INVALID_ORIGIN', exit: ExitClass.usage },
    { args: ['authenticate', '--nonce', nonce(), '--pin-stdin'], code: 'BAD_REQUEST', exit: ExitClass.usage },
    { args: ['frobnicate'], code: 'BAD_REQUEST', exit: ExitClass.usage },
    { args: ['card', '--bogus'], code: 'BAD_REQUEST', exit: ExitClass.usage },
    { args: ['card'], env: { CPX_PKCS11_MODULE: '/nonexistent/libcps3_pkcs11_lux.so' }, code: 'MODULE_NOT_FOUND', exit: ExitClass.middleware },
    { args: ['card'], code: 'NO_CARD', exit: ExitClass.reader, before: () => { fx.sim.remove(0); } },
    {
      args: ['authenticate', '--origin', 'https://example.org', '--nonce', nonce(), '--pin-stdin'], input: '1234\n',
      code: 'CERT_EXPIRED', exit: ExitClass.certificate, before: async () => { await fx.sim.insert('expired', 1); },
    },
  ];
  for (const c of cases) {
    await c.before?.();
    const run = await runMain([...c.args, '--json'], { ...fx.env, ...c.env }, c.input);
    assert.equal(run.code, c.exit, `${c.args.join(' ')}: ${run.stdout}`);
    const out = json(run);
    assert.deepEqual(keys(out), ['error']);
    assert.equal((out.error as Record<string, string>).code, c.code);
    assert.ok((out.error as Record<string, string>).message.length > 10);
  }
  fx.sim.remove(1);
});
