// A browser login through a `cpxlink:` link, in the controller: the link as the OS hands it over (a second instance's
// arguments, macOS's URL), parsed strictly and refused with no request at all when it is not exactly right; otherwise
// the service named before the PIN, the transaction's challenge signed, the completion URL opened in the default
// browser — which logs in only the browser that started the transaction. Real card service, simulator and service.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { buildLoginLink } from '../../protocol/deep-link.ts';
import type { BrowserLoginState } from '../../protocol/ipc.ts';
import { browserTransaction, DEMO_PASSWORD, insertCard, openAsBrowser, RIGHT_PIN, startStack, type Stack } from './harness.ts';

let s: Stack;
/** How far the service's clock runs ahead of the real one (an expired transaction without waiting 5 minutes). */
let serviceAheadMs = 0;
before(async () => { s = await startStack({ serviceClock: () => new Date(Date.now() + serviceAheadMs) }); });
after(async () => { await s?.close(); });

const browserStates = () => s.eventsOf('browser:login');
const lastState = () => browserStates().at(-1);

/** Resolves with the browser login's state once it has ended (done, failed, or waiting for Première connexion). */
function settled(id: number): Promise<BrowserLoginState> {
  return new Promise((resolve) => {
    const check = () => {
      const st = browserStates().filter((b) => b.id === id).at(-1);
      if (st && st.status !== 'running') { resolve(st); return true; }
      return false;
    };
    if (check()) return;
    const off = s.controller.subscribe((event) => { if (event === 'browser:login' && check()) off(); });
  });
}

describe('a link from the OS', () => {
  test('hostile links are refused with a clear message and no request to anyone', async () => {
    const { link } = await browserTransaction(s);
    const tx = new URL(link).searchParams.get('tx')!;
    const origin = encodeURIComponent(s.server.url);
    const hostile: [string, string][] = [
      [`cpxlink://login?service=${origin}&tx=${tx}" --gpu-launcher=calc`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}'&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}&tx=${tx}&then=--no-sandbox`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}&tx=${tx}&service=https%3A%2F%2Fevil.example.com`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}&tx=${tx}#x`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}&tx=${tx}&${'a'.repeat(5000)}=1`, 'LINK_INVALID'],
      [`cpxlink://login?service=javascript%3Aalert(1)&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://login?service=file%3A%2F%2F%2Fetc%2Fpasswd&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://login?service=${encodeURIComponent(`${s.server.url}/path`)}&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://user:pw@login?service=${origin}&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://login?service=${origin}&tx=short`, 'LINK_INVALID'],
      [`cpxlink://other?service=${origin}&tx=${tx}`, 'LINK_INVALID'],
      [`cpxlink://login?service=https%3A%2F%2Fevil.example.com&tx=${tx}`, 'ORIGIN_NOT_ALLOWED'],
      [`cpxlink://login?service=http%3A%2F%2Forientation.sante-centre.fr&tx=${tx}`, 'LINK_INVALID'],
    ];
    const sent = s.requests.length;
    s.user.plan();
    for (const [raw, code] of hostile) {
      const state = s.controller.openLoginLinkFromArgv(['/opt/CPx Link/cpx-link', '--no-sandbox', raw]);
      assert.ok(state, raw);
      assert.equal(state!.status, 'failed', raw);
      assert.equal(state!.error?.code, code, raw);
      assert.equal(state!.canRetry, false);
      assert.deepEqual(lastState(), state, 'the window is told');
    }
    const notAllowed = s.controller.openLoginLink(`cpxlink://login?service=https%3A%2F%2Fevil.example.com&tx=${tx}`);
    assert.match(notAllowed.error!.message, /https:\/\/evil\.example\.com ne fait pas partie des services autorisés/);
    assert.deepEqual(notAllowed.requester, { name: null, origin: 'https://evil.example.com' });
    assert.match(s.controller.openLoginLink('javascript:alert(1)').error!.message, /lien de connexion CPx Link n'est pas valide/);
    assert.equal(s.controller.openLoginLink(42).error!.code, 'LINK_INVALID');
    // Arguments with no link at all: nothing to do (the window just comes forward), no refusal to show.
    assert.equal(s.controller.openLoginLinkFromArgv(['/opt/CPx Link/cpx-link', '--flag', 'file:///etc/passwd', 'javascript:alert(1)']), null);
    assert.equal(s.requests.length, sent, 'no request for any of them');
    assert.equal(s.user.seen.length, 0, 'and no PIN dialog');
  });

  test('an unknown transaction: the service says so, before the PIN', async () => {
    await insertCard(s, 'cpe', 0);
    s.user.plan();
    const link = buildLoginLink({ origin: s.server.url, transaction: 'A'.repeat(43) });
    const state = s.controller.openLoginLinkFromArgv([link]);
    assert.equal(state?.status, 'running');
    const end = await settled(state!.id);
    assert.equal(end.error?.code, 'TRANSACTION_UNKNOWN');
    assert.equal(end.canRetry, false);
    assert.equal(s.user.seen.length, 0, 'no question asked');
    assert.equal(s.user.open, false, 'a dialog opened ahead of the question is closed');
  });
});

describe('the browser that started it is logged in', () => {
  beforeEach(() => { s.opened.length = 0; s.sim.resetCounters(); });

  test('unlinked card: who asks shown before the PIN, Première connexion in the app, then the same transaction completes', async () => {
    await insertCard(s, 'cpe', 0);
    const { link, cookie } = await browserTransaction(s);
    let shownBeforePin: BrowserLoginState | undefined;
    s.user.plan(async (req) => {
      shownBeforePin = lastState();
      return { pin: new TextEncoder().encode(RIGHT_PIN), confirmFinalTry: req.finalTry };
    });
    const state = s.controller.openLoginLinkFromArgv(['cpx-link', link]);
    const end = await settled(state!.id);
    const service = { name: "Service d'orientation (référence CPx Link)", origin: s.server.url };
    assert.deepEqual(s.user.seen[0].requester, service, 'the PIN dialog names the service and its origin');
    assert.deepEqual(shownBeforePin?.requester, service, 'and so does the main window, before the PIN');
    assert.equal(shownBeforePin?.status, 'running');
    assert.equal(end.status, 'first-login');
    assert.deepEqual(end.firstLogin?.browser, service);
    assert.equal(end.firstLogin?.holder.surname, 'PETIT');
    assert.doesNotMatch(JSON.stringify(browserStates()), /ticket/i);
    assert.equal(s.opened.length, 0, 'nothing opened yet');

    s.user.plan();
    assert.equal((await s.controller.handle('account:link', { username: 'demo.etab', password: 'wrong' })).ok, false);
    const r = await s.controller.handle('account:link', { username: 'demo.etab', password: DEMO_PASSWORD });
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok) assert.deepEqual(r.value.browser, service);
    assert.equal(lastState()?.status, 'done');
    assert.equal(s.sim.counters().C_Login, 1, 'one PIN for the whole journey');
    assert.equal(s.opened.length, 1);
    assert.ok(s.opened[0].startsWith(`${s.server.url}/connexion/terminer?code=`), s.opened[0]);
    // The browser that started it (its transaction cookie) is logged in; the URL works once.
    const opened = await openAsBrowser(s.opened[0], cookie);
    assert.equal(opened.accountShown, true, 'Mon compte shown at once');
    assert.ok(opened.session);
  });

  test('linked card: PIN, completion, the completion URL opened; the same link again is refused by the service', async () => {
    const { link, cookie } = await browserTransaction(s);
    s.user.plan(RIGHT_PIN);
    const end = await settled(s.controller.openLoginLink(link).id);
    assert.equal(end.status, 'done', JSON.stringify(end));
    assert.equal(end.account?.username, 'demo.etab');
    assert.equal(s.opened.length, 1);
    const page = await openAsBrowser(s.opened[0], cookie);
    assert.equal(page.accountShown, true, 'Mon compte shown at once');
    assert.ok(page.session);
    const flow = s.eventsOf('flow:progress').filter((p) => p.flow === 'browser-login').slice(-5).map((p) => p.step);
    assert.deepEqual(flow, ['challenge', 'pin', 'signing', 'sending', 'done']);

    s.user.plan();
    const again = await settled(s.controller.openLoginLink(link).id);
    assert.equal(again.status, 'failed');
    assert.match(again.error!.code, /^TRANSACTION_(UNKNOWN|EXPIRED)$/);
    assert.equal(s.user.seen.length, 0, 'no PIN for a used transaction');
  });

  test('relay: a link made in another browser, completed by this app, logs that other browser in nowhere', async () => {
    const attacker = await browserTransaction(s);
    s.user.plan(RIGHT_PIN);
    assert.equal((await settled(s.controller.openLoginLink(attacker.link).id)).status, 'done');
    // The victim's default browser opens the completion URL: it lacks the attacker's transaction cookie.
    const victim = await openAsBrowser(s.opened[0], null);
    assert.equal(victim.session, null);
    assert.equal(victim.status, 403);
    // And the code is burnt: the attacker's browser cannot redeem it afterwards either.
    assert.equal((await openAsBrowser(s.opened[0], attacker.cookie)).session, null);
  });

  test('no card yet: said, with "Réessayer"; the card inserted, the same link completes', async () => {
    s.sim.remove(0);
    await s.waitForState((st) => st.cards.length === 0);
    const { link, cookie } = await browserTransaction(s);
    s.user.plan();
    const first = await settled(s.controller.openLoginLink(link).id);
    assert.equal(first.error?.code, 'NO_CARD');
    assert.equal(first.canRetry, true);
    await insertCard(s, 'cpe', 0);
    s.user.plan(RIGHT_PIN);
    const retried = await s.controller.handle('browser:retry', null);
    assert.ok(retried.ok);
    const end = await settled(lastState()!.id);
    assert.equal(end.status, 'done');
    assert.equal((await openAsBrowser(s.opened[0], cookie)).accountShown, true);
    // Nothing left to retry once it is done.
    assert.equal((await s.controller.handle('browser:retry', null)).ok, false);
  });

  test('an expired transaction: said as such, no PIN asked', async () => {
    const { link } = await browserTransaction(s);
    serviceAheadMs = 6 * 60_000; // the professional came back to it 6 minutes later
    try {
      s.user.plan();
      const end = await settled(s.controller.openLoginLink(link).id);
      assert.equal(end.error?.code, 'TRANSACTION_EXPIRED');
      assert.match(end.error!.message, /a expiré \(5 minutes\)\. Recommencez depuis la page du service/);
      assert.equal(s.user.seen.length, 0);
    } finally {
      serviceAheadMs = 0;
    }
  });

  test('a link while a card operation is under way: refused as busy, to try again (the operation goes on)', async () => {
    const { link } = await browserTransaction(s);
    let release!: () => void;
    const asked = new Promise<void>((resolve) => {
      s.user.plan(async () => { resolve(); await new Promise<void>((r) => { release = r; }); return null; });
    });
    const appLogin = s.controller.handle('account:card-login', { readerIndex: 0 });
    await asked;
    const end = await settled(s.controller.openLoginLink(link).id);
    assert.equal(end.error?.code, 'SERVICE_BUSY');
    assert.equal(end.canRetry, true);
    release();
    assert.equal((await appLogin).ok, false);
  });

  test('a window opened afterwards learns where the latest browser login stands from the snapshot', async () => {
    const snap = await s.controller.handle('app:snapshot', null);
    assert.ok(snap.ok);
    if (snap.ok) assert.deepEqual(snap.value.browserLogin, lastState());
  });
});
