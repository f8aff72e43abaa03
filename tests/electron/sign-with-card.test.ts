// The one card operation every login uses: sign this origin and nonce with this card, after the PIN. Driven directly
// with the real card service over the simulator and a scripted user at the PIN dialog; the challenge comes from a
// source the test counts, as any flow (app login, browser transaction) provides it. Signatures are checked with the
// card's certificate, over exactly the origin and nonce asked for.
import assert from 'node:assert/strict';
import { randomBytes, verify, X509Certificate } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Challenge } from '../../protocol/account.ts';
import type { WebEidToken } from '../../protocol/card.ts';
import { CpxError } from '../../protocol/errors.ts';
import type { FlowStep, Requester } from '../../protocol/ipc.ts';
import { PIN_PROMPT_TIMEOUT_MS } from '../../protocol/pin.ts';
import { authSignedData } from '../../protocol/webeid.ts';
import { CardServiceClient } from '../../native/service/client.ts';
import { forkTransport } from '../../native/service/transport.ts';
import { FileLogger } from '../../electron/core/log.ts';
import { signWithCard, type SignRequest, type SigningContext } from '../../electron/core/sign-with-card.ts';
import { makeSim, type Sim } from '../helpers/sim.ts';
import { RIGHT_PIN, ScriptedUser, WRONG_PIN } from './harness.ts';

const ORIGIN = 'https://orientation.sante-centre.fr';
const REQUESTER: Requester = { name: 'ViaTrajectoire — Centre-Val de Loire', origin: ORIGIN };

let sim: Sim;
let cards: CardServiceClient;
const user = new ScriptedUser();
let clock = Date.now();

before(async () => {
  sim = await makeSim({ readers: 1 });
  cards = new CardServiceClient({
    restartDelaysMs: [0], options: { pollMs: 100 },
    transport: forkTransport({ env: { ...process.env, ...sim.env, CPX_PKCS11_MODULE_ONLY: '1' }, output: () => {} }),
  });
  await cards.start();
});
after(async () => { await cards?.close(); await sim?.cleanup(); });

/** A fresh card in reader 0, seen by the card service. */
async function freshCard(profile = 'cps-medecin'): Promise<void> {
  const card = await sim.insert(profile, 0);
  for (let i = 0; i < 100; i++) {
    const list = await cards.request('cards', {});
    if (list[0]?.cardNumber === card.cardNumber) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('card not seen');
}

/** Challenges as a service issues them: fresh 32-byte nonces; each call counted. */
function challenges(lifetimeMs = 5 * 60_000) {
  const issued: string[] = [];
  return {
    issued,
    next: async (): Promise<Challenge> => {
      const nonce = randomBytes(32).toString('base64');
      issued.push(nonce);
      return { nonce, expiresAt: new Date(clock + lifetimeMs).toISOString() };
    },
  };
}

function context(pinPromptTimeoutMs = PIN_PROMPT_TIMEOUT_MS): SigningContext {
  return { cards, pin: user, log: new FileLogger({ level: () => 'debug' }), lang: () => 'fr', appVersion: 'test',
    pinpadTimeoutMs: 30_000, pinPromptTimeoutMs, now: () => clock };
}

function request(challenge: () => Promise<Challenge>, steps: FlowStep[] = [], signal = new AbortController().signal): SignRequest {
  return { readerIndex: 0, origin: ORIGIN, requester: REQUESTER, challenge, progress: (s) => steps.push(s), signal };
}

function signedFor(token: WebEidToken, origin: string, nonce: string): boolean {
  const cert = new X509Certificate(Buffer.from(token.unverifiedCertificate, 'base64'));
  return verify('sha256', authSignedData(origin, nonce), cert.publicKey, Buffer.from(token.signature, 'base64'));
}

async function failure(p: Promise<unknown>): Promise<string> {
  try { await p; return 'OK'; } catch (e) { return e instanceof CpxError ? e.code : `not a CpxError: ${String(e)}`; }
}

describe('sign this origin and nonce with this card, after the PIN', () => {
  beforeEach(async () => { await freshCard(); sim.resetCounters(); clock = Date.now(); });

  test('the PIN dialog says who asks (name and origin) and whose card; the token signs exactly that origin and nonce', async () => {
    const source = challenges();
    const steps: FlowStep[] = [];
    user.plan(RIGHT_PIN);
    const signed = await signWithCard(context(), request(source.next, steps));
    assert.equal(source.issued.length, 1, 'one challenge asked for');
    assert.equal(signed.nonce, source.issued[0]);
    assert.ok(signedFor(signed.token, ORIGIN, signed.nonce), 'signature over SHA-256(origin) || SHA-256(nonce)');
    assert.ok(!signedFor(signed.token, 'https://evil.example.com', signed.nonce), 'and over nothing else');
    assert.deepEqual(user.seen[0].requester, REQUESTER);
    assert.equal(user.seen[0].holder.name, 'LUCIE BERNARD');
    assert.deepEqual(steps, ['challenge', 'pin', 'signing']);
    assert.equal(sim.counters().C_Login, 1);
    assert.ok(user.given[0].every((b) => b === 0), 'PIN bytes zeroed');
    assert.equal(user.closed, 1, 'the dialog is closed when the operation ends');
  });

  test('a challenge about to expire is replaced before the card signs: the user never types a PIN for a refused nonce', async () => {
    const source = challenges(20_000);
    user.plan(async (req) => {
      clock += 10_000; // the user took their time: 10 s left, under the 15 s margin
      return { pin: new TextEncoder().encode(RIGHT_PIN), confirmFinalTry: req.finalTry };
    });
    const signed = await signWithCard(context(), request(source.next));
    assert.equal(source.issued.length, 2);
    assert.equal(signed.nonce, source.issued[1]);
    assert.ok(signedFor(signed.token, ORIGIN, source.issued[1]));
  });

  test('wrong PIN: the dialog comes back with the error and the tries left read again from the card; one C_Login per attempt', async () => {
    const source = challenges();
    user.plan(WRONG_PIN, RIGHT_PIN);
    const signed = await signWithCard(context(), request(source.next));
    assert.ok(signedFor(signed.token, ORIGIN, signed.nonce));
    assert.deepEqual(user.seen.map((r) => r.triesLeft), [3, 2]);
    assert.equal(user.seen[1].previousError?.code, 'PIN_INCORRECT');
    assert.deepEqual(user.seen[1].requester, REQUESTER, 'still says who asks');
    assert.equal(sim.counters().C_Login, 2);
  });

  test('final try: announced and sent only with the confirmation; a blocked card is never sent a PIN', async () => {
    const source = challenges();
    user.plan(WRONG_PIN, WRONG_PIN, { pin: WRONG_PIN, confirmFinalTry: true });
    assert.equal(await failure(signWithCard(context(), request(source.next))), 'PIN_LOCKED');
    assert.deepEqual(user.seen.map((r) => r.finalTry), [false, false, true]);
    user.plan(RIGHT_PIN);
    assert.equal(await failure(signWithCard(context(), request(source.next))), 'PIN_LOCKED');
    assert.equal(user.seen.length, 0, 'no dialog for a blocked card');
    assert.equal(sim.counters().C_Login, 3);
  });

  test('cancel at the dialog: CANCELLED, nothing signed; a flow aborted (card pulled out) stops with its reason', async () => {
    const source = challenges();
    user.plan('cancel');
    assert.equal(await failure(signWithCard(context(), request(source.next))), 'CANCELLED');
    const abort = new AbortController();
    user.plan(async (_req, signal) => {
      // What the flow does when the card watcher reports the card gone while the dialog is open.
      setTimeout(() => abort.abort(new CpxError('CARD_REMOVED')), 10);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      return null;
    });
    assert.equal(await failure(signWithCard(context(), request(source.next, [], abort.signal))), 'CARD_REMOVED');
    assert.equal(sim.counters().C_Login ?? 0, 0);
    assert.equal(sim.counters().C_Sign ?? 0, 0);
  });

  test('a PIN prompt nobody answers closes by itself: PIN_PROMPT_TIMEOUT ("rien n\'a été envoyé"), the card never asked', async () => {
    const source = challenges();
    let promptSignal: AbortSignal | undefined;
    user.plan(async (_req, signal) => {
      promptSignal = signal;
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      return null; // the dialog closes when its signal fires, as the real PIN windows do
    });
    const started = Date.now();
    const err = await signWithCard(context(150), request(source.next)).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof CpxError, String(err));
    assert.equal(err.code, 'PIN_PROMPT_TIMEOUT');
    assert.ok(Date.now() - started < 5_000, 'ended by the prompt timeout, not by anything else');
    assert.ok(promptSignal?.aborted, 'the prompt was told to close');
    assert.match(err.toBody('fr').message, /rien n'a été envoyé/);
    assert.equal(user.closed, 1, 'the dialog is closed');
    assert.equal(sim.counters().C_Login ?? 0, 0);
    assert.equal(PIN_PROMPT_TIMEOUT_MS, 120_000, 'two minutes in the app');
    assert.match(new CpxError('PIN_PROMPT_TIMEOUT', { minutes: PIN_PROMPT_TIMEOUT_MS / 60_000 }).toBody('fr').message, /pendant 2 minutes/);
  });

  test('a PIN typed in time is not cut off by the prompt timeout', async () => {
    const source = challenges();
    user.plan(async (req) => {
      await new Promise((r) => setTimeout(r, 50));
      return { pin: new TextEncoder().encode(RIGHT_PIN), confirmFinalTry: req.finalTry };
    });
    const signed = await signWithCard(context(1_000), request(source.next));
    assert.ok(signedFor(signed.token, ORIGIN, signed.nonce));
  });

  test('the challenge source failing (a transaction expired) stops before any dialog opens', async () => {
    user.plan();
    const expired = async (): Promise<Challenge> => { throw new CpxError('TRANSACTION_EXPIRED'); };
    assert.equal(await failure(signWithCard(context(), request(expired))), 'TRANSACTION_EXPIRED');
    assert.equal(user.seen.length, 0);
  });
});
