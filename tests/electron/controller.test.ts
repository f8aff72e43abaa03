// The app controller end to end: real card service over the simulator, real reference service, a scripted user at
// the PIN dialog. Each IPC channel is driven through controller.handle(), as the Electron shell and the bridge do.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CRYPTOLIB_HELP_URL } from '../../protocol/help-links.ts';
import { readdirSync } from 'node:fs';
import { telHref } from '../../protocol/contact.ts';
import { AppController } from '../../electron/core/controller.ts';
import { fetchHttp } from '../../electron/core/fetch-http.ts';
import { linuxPolicyReader } from '../../electron/core/policy.ts';
import { SettingsStore } from '../../electron/core/settings.ts';
import { DEFAULT_SERVICE_NAME } from '../../server/service.ts';
import { startServer } from '../../server/start.ts';
import { IGC_SANTE_DIR } from '../../server/trust.ts';
import { bodyForPeople, CpxError } from '../../protocol/errors.ts';
import type { CardLoginOutcome, LoggedIn, Result } from '../../protocol/ipc.ts';
import { DEMO_PASSWORD, DEMO_USER, insertCard, openAsBrowser, RIGHT_PIN, startStack, WRONG_PIN, type Stack } from './harness.ts';

let s: Stack;
before(async () => { s = await startStack(); });
after(async () => { await s?.close(); });

const VALID_PROFILE = {
  specialty: 'Qualifié en médecine générale', email: 'lucie.bernard@example.fr', phone: '02 38 00 00 01',
  mobile: '06 12 34 56 78', address: '1 rue de la Santé', postalCode: '45000', city: 'Orléans',
};

function expectError<T>(r: Result<T>, code: string): void {
  assert.equal(r.ok, false, `expected ${code}, got success`);
  if (!r.ok) assert.equal(r.error.code, code, r.error.message);
}
function expectOk<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
function loggedIn(outcome: CardLoginOutcome): LoggedIn {
  assert.equal(outcome.status, 'logged-in', JSON.stringify(outcome).slice(0, 300));
  return outcome as LoggedIn;
}
const logins = () => s.sim.counters().C_Login ?? 0;
const cardLogin = (readerIndex = 0) => s.controller.handle('account:card-login', { readerIndex });

async function useFreshUserSettings(values: Record<string, unknown>): Promise<void> {
  const file = path.join(s.dir, 'user', 'settings.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(values));
  await s.settings.reload();
}

async function freePortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('PIN first, then "Première connexion" with the ticket kept in main', () => {
  test('snapshot: version, settings with sources, live card state, card service up, no browser login yet', async () => {
    await insertCard(s, 'cpe', 0);
    const snap = expectOk(await s.controller.handle('app:snapshot', null));
    assert.equal(snap.appVersion, '0.1.0-test');
    assert.deepEqual(snap.settings.serviceUrl, { value: s.server.url, source: 'default', locked: false });
    assert.equal(snap.cardServiceUp, true);
    assert.equal(snap.browserLogin, null);
    const refreshed = expectOk(await s.controller.handle('card:refresh', null));
    assert.equal(refreshed.cards[0].cardType, 'CPE');
  });

  test('an unlinked CPE: one PIN, then the verified holder and "Première connexion" — the ticket itself never leaves main', async () => {
    s.sim.resetCounters();
    s.user.plan(RIGHT_PIN);
    const before = s.events.length;
    const outcome = expectOk(await cardLogin());
    assert.equal(outcome.status, 'link-required');
    if (outcome.status !== 'link-required') return;
    const view = outcome.firstLogin;
    assert.equal(`${view.holder.givenName} ${view.holder.surname}`, 'NATHALIE PETIT');
    assert.equal(view.holder.cardType, 'CPE');
    assert.equal(view.holder.nationalId.type, 'FINESS');
    assert.equal(view.independentDoctorAllowed, false);
    assert.equal(view.browser, null);
    assert.ok(Date.parse(view.expiresAt) > Date.now() + 5 * 60_000, view.expiresAt);
    assert.doesNotMatch(JSON.stringify(outcome), /ticket|session/i, 'no ticket or session in what the renderer gets');

    const [req] = s.user.seen;
    assert.deepEqual(req.requester, { name: DEFAULT_SERVICE_NAME, origin: s.server.url },
      'the app\'s own login: the configured service asks, named as it names itself (no serviceName setting here)');
    assert.equal(req.holder.name, 'NATHALIE PETIT');
    assert.equal(req.triesLeft, 3);
    assert.equal(logins(), 1);
    assert.ok(s.user.given[0].every((b) => b === 0), 'the PIN bytes are zeroed after use');
    assert.equal(s.user.prepared, 1, 'the dialog opened while the challenge was on its way');
    assert.equal(s.user.closed, 1, 'and closed once the operation was over');
    const steps = s.eventsOf('flow:progress').slice(-5);
    assert.deepEqual(steps.map((p) => p.step), ['challenge', 'pin', 'signing', 'sending', 'done']);
    assert.ok(s.events.slice(before).every((e) => !JSON.stringify(e.payload).includes('ticket')));
  });

  test('wrong password, then inactive account, then the right account: fixed and resent with no PIN — exactly one C_Login', async () => {
    s.user.plan(); // no PIN dialog may open now
    expectError(await s.controller.handle('account:link', { username: DEMO_USER, password: 'not-the-password' }), 'CREDENTIALS_INVALID');
    expectError(await s.controller.handle('account:link', { username: 'demo.inactif', password: DEMO_PASSWORD }), 'ACCOUNT_INACTIVE');
    const done = expectOk(await s.controller.handle('account:link', { username: DEMO_USER, password: DEMO_PASSWORD }));
    assert.equal(done.account.username, DEMO_USER);
    assert.equal(done.serviceUrl, s.server.url);
    assert.equal(done.browser, null);
    assert.ok(done.account.nationalIds.some((l) => l.type === 'FINESS'), JSON.stringify(done.account.nationalIds));
    assert.equal(s.user.seen.length, 0);
    assert.equal(logins(), 1, 'the one PIN entry of the card login');
    assert.deepEqual(s.eventsOf('flow:progress').slice(-2), [{ flow: 'link', step: 'sending' }, { flow: 'link', step: 'done' }]);
  });

  test('the ticket is used up: sending it again is TICKET_INVALID, said before any request', async () => {
    const sent = s.requests.length;
    expectError(await s.controller.handle('account:link', { username: DEMO_USER, password: DEMO_PASSWORD }), 'TICKET_INVALID');
    assert.equal(s.requests.length, sent);
  });

  test('the linked card logs in with one PIN; "Ouvrir le service" opens a one-time URL that logs the browser in', async () => {
    s.sim.resetCounters();
    s.user.plan(RIGHT_PIN);
    const done = loggedIn(expectOk(await cardLogin()));
    assert.equal(done.account.username, DEMO_USER);
    assert.equal(done.account.kind, 'establishment');
    assert.equal(logins(), 1);

    s.opened.length = 0;
    expectOk(await s.controller.handle('account:open-service', null));
    expectOk(await s.controller.handle('account:open-service', null));
    assert.equal(s.opened.length, 2);
    assert.notEqual(s.opened[0], s.opened[1], 'a fresh one-time URL each time');
    for (const url of s.opened) assert.ok(url.startsWith(`${s.server.url}/connexion/code?c=`), url);
    // A browser opening it is logged in (a session cookie, sent to "Mon compte")…
    const first = await openAsBrowser(s.opened[0], null);
    assert.equal(first.accountShown, true, 'Mon compte shown at once');
    assert.ok(first.session, 'a browser session cookie');
    const page = await fetch(`${s.server.url}/compte`, { headers: { cookie: first.session! } });
    assert.match(await page.text(), /demo\.etab/);
    // …once: the same URL again logs nobody in.
    assert.equal((await openAsBrowser(s.opened[0], null)).session, null);
  });

  test('the card pulled out: its session is forgotten, "Ouvrir le service" opens the service\'s login page', async () => {
    s.sim.remove(0);
    await s.waitForState((st) => st.cards.length === 0);
    s.opened.length = 0;
    expectOk(await s.controller.handle('account:open-service', null));
    assert.deepEqual(s.opened, [`${s.server.url}/`]);
    const page = await fetch(s.opened[0]);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Se connecter par carte CPx/);
  });

  test('"Retour" from Première connexion, or the card pulled out, forgets the ticket', async () => {
    await insertCard(s, 'cpf', 0);
    s.user.plan(RIGHT_PIN);
    assert.equal(expectOk(await cardLogin()).status, 'link-required');
    expectOk(await s.controller.handle('account:first-login-cancel', null));
    expectError(await s.controller.handle('account:link', { username: 'demo.interne', password: DEMO_PASSWORD }), 'TICKET_INVALID');

    s.user.plan(RIGHT_PIN);
    assert.equal(expectOk(await cardLogin()).status, 'link-required');
    s.sim.remove(0);
    await s.waitForState((st) => st.cards.length === 0);
    expectError(await s.controller.handle('account:link', { username: 'demo.interne', password: DEMO_PASSWORD }), 'TICKET_INVALID');
  });

  test('wrong PIN then right PIN: the dialog comes back with the error and 2 tries left; one C_Login per attempt', async () => {
    await insertCard(s, 'cpe', 0);
    s.sim.resetCounters();
    s.user.plan(WRONG_PIN, RIGHT_PIN);
    assert.equal(loggedIn(expectOk(await cardLogin())).account.username, DEMO_USER);
    assert.equal(s.user.seen.length, 2);
    assert.equal(s.user.seen[1].previousError?.code, 'PIN_INCORRECT');
    assert.match(s.user.seen[1].previousError!.message, /Code porteur incorrect/);
    assert.equal(s.user.seen[1].triesLeft, 2);
    assert.equal(logins(), 2);
  });

  test('cancel at the PIN dialog: CANCELLED, the card is never asked to log in', async () => {
    s.sim.resetCounters();
    s.user.plan('cancel');
    expectError(await cardLogin(), 'CANCELLED');
    assert.equal(logins(), 0);
  });

  test('three wrong PINs: PIN_LOCKED after exactly three dialogs; a blocked card opens no dialog and gets no fourth C_Login', async () => {
    await insertCard(s, 'cpe', 0); // a fresh card: PIN counter reset
    s.sim.resetCounters();
    s.user.plan(WRONG_PIN, WRONG_PIN, { pin: WRONG_PIN, confirmFinalTry: true }, RIGHT_PIN);
    expectError(await cardLogin(), 'PIN_LOCKED');
    assert.deepEqual(s.user.seen.map((r) => r.triesLeft), [3, 2, 1]);
    assert.equal(s.user.seen[2].finalTry, true, 'the last try is announced as such');
    s.user.plan(RIGHT_PIN);
    expectError(await cardLogin(), 'PIN_LOCKED');
    assert.equal(s.user.seen.length, 0);
    assert.equal(logins(), 3, 'no fourth C_Login');
  });

  test('the card pulled out while the PIN dialog is open: CARD_REMOVED, dialog dismissed, no C_Login', async () => {
    await insertCard(s, 'cpe', 0);
    s.sim.resetCounters();
    s.user.plan(async (_req, signal) => {
      s.sim.remove(0);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return null;
    });
    expectError(await cardLogin(), 'CARD_REMOVED');
    assert.equal(logins(), 0);
    expectError(await cardLogin(), 'NO_CARD');
  });
});

describe('readers and the card service', () => {
  test('PIN-pad reader: the dialog says so and sends no PIN; the PIN typed on the reader logs in', async () => {
    await insertCard(s, 'cpe', 0);
    s.sim.setPinpad(0, true);
    s.sim.typeOnPinpad(0, RIGHT_PIN);
    try {
      s.user.plan({ pin: '' });
      assert.equal(loggedIn(expectOk(await cardLogin())).account.username, DEMO_USER);
      assert.equal(s.user.seen[0].pinpad, true);
      assert.equal(s.user.seen[0].timeoutMs, 30_000);
    } finally {
      s.sim.setPinpad(0, false);
    }
  });

  test('PIN-pad reader: cancelling while the reader waits for the code stops the flow; nothing is signed', async () => {
    await insertCard(s, 'cpe', 0);
    s.sim.setPinpad(0, true);
    s.sim.typeOnPinpad(0, null);
    s.sim.resetCounters();
    try {
      const withdraw = new AbortController();
      s.user.plan(async () => {
        setTimeout(() => withdraw.abort(new CpxError('CANCELLED')), 200);
        return { pin: new Uint8Array(0), confirmFinalTry: false, withdrawn: withdraw.signal };
      });
      expectError(await cardLogin(), 'CANCELLED');
      assert.equal(s.user.closed, 1, 'the PIN dialog is closed');
      s.sim.typeOnPinpad(0, RIGHT_PIN);
      await s.cards.request('cards', {}); // queued behind the authentication: answers once it is over
      assert.equal(s.sim.counters().C_Sign ?? 0, 0, 'no signature after a cancel');
    } finally {
      s.sim.setPinpad(0, false);
      s.sim.typeOnPinpad(0, null);
    }
  });

  test('the middleware crashes during a login: SERVICE_CRASHED, the UI is told, the service comes back, nothing retried', async () => {
    s.sim.injectFault('C_Login', 'abort');
    const seenBefore = s.eventsOf('card:service').length;
    const back = new Promise<void>((resolve) => s.cards.once('ready', () => resolve()));
    s.user.plan(RIGHT_PIN);
    try {
      expectError(await cardLogin(), 'SERVICE_CRASHED');
    } finally {
      s.sim.injectFault('C_Login', null);
    }
    assert.equal(s.user.seen.length, 1, 'the PIN is not asked again, nor resent');
    await back;
    assert.deepEqual(s.eventsOf('card:service').slice(seenBefore).slice(0, 2), [{ up: false, crashed: true }, { up: true }]);
    assert.equal(expectOk(await s.controller.handle('app:snapshot', null)).cardServiceUp, true);
    s.user.plan(RIGHT_PIN);
    loggedIn(expectOk(await cardLogin()));
  });
});

describe('Espace médecin libéral', () => {
  test('a CPS doctor: one PIN, the form fixed until valid (no PIN, nothing sent while invalid), the account created', async () => {
    await insertCard(s, 'cps-medecin', 1);
    s.sim.resetCounters();
    s.user.plan(RIGHT_PIN);
    const outcome = expectOk(await cardLogin(1));
    assert.equal(outcome.status, 'link-required');
    if (outcome.status !== 'link-required') return;
    assert.equal(outcome.firstLogin.independentDoctorAllowed, true);
    assert.equal(outcome.firstLogin.holder.profession, 'Médecin');

    const sent = s.requests.length;
    const r = await s.controller.handle('account:create-doctor', { profile: { ...VALID_PROFILE, email: 'nope', postalCode: '' } });
    expectError(r, 'PROFILE_INVALID');
    if (!r.ok) assert.match(r.error.message, /email/);
    assert.equal(s.requests.length, sent, 'an invalid form is not sent');
    const done = expectOk(await s.controller.handle('account:create-doctor', { profile: VALID_PROFILE }));
    assert.equal(done.account.kind, 'independent-doctor');
    assert.equal(done.account.surname, 'BERNARD');
    assert.ok(done.account.nationalIds.some((l) => l.type === 'RPPS' && l.value.includes('99700012349')), JSON.stringify(done.account.nationalIds));
    assert.equal(logins(), 1);

    // From now on the same card simply logs in.
    s.user.plan(RIGHT_PIN);
    assert.equal(loggedIn(expectOk(await cardLogin(1))).account.kind, 'independent-doctor');
  });

  test('a card that is not a CPS doctor\'s cannot open the independent doctor space: refused before anything is sent', async () => {
    await insertCard(s, 'cpa', 0);
    s.user.plan(RIGHT_PIN);
    const outcome = expectOk(await cardLogin());
    assert.equal(outcome.status === 'link-required' && outcome.firstLogin.independentDoctorAllowed, false);
    const sent = s.requests.length;
    expectError(await s.controller.handle('account:create-doctor', { profile: VALID_PROFILE }), 'INDEPENDENT_DOCTOR_ONLY');
    assert.equal(s.requests.length, sent);
    // The ticket is still good for Espace professionnel.
    assert.equal(expectOk(await s.controller.handle('account:link', { username: 'demo.cpa', password: DEMO_PASSWORD })).account.username, 'demo.cpa');
  });
});

describe('only the configured service, over https except loopback', () => {
  test('a service outside the allowed list is refused before the card or the network is touched', async () => {
    await writeFile(path.join(await ensureDir(s.policyDir), 'origins.json'), JSON.stringify({ allowedOrigins: ['https://orientation.sante-centre.fr'] }));
    await s.settings.reload();
    s.sim.resetCounters();
    s.user.plan();
    const sent = s.requests.length;
    const r = await cardLogin();
    expectError(r, 'ORIGIN_NOT_ALLOWED');
    if (!r.ok) assert.match(r.error.message, /127\.0\.0\.1/);
    // The region help still shows, from the copy shipped with the app: no request to a service IT did not allow.
    assert.ok(expectOk(await s.controller.handle('account:regions', null)).length > 0);
    assert.equal(logins(), 0);
    assert.equal(s.requests.length, sent);
    await rm(path.join(s.policyDir, 'origins.json'));
    await s.settings.reload();
  });

  test('plain http to a host that is not this machine is refused (INVALID_ORIGIN)', async () => {
    await useFreshUserSettings({ serviceUrl: 'http://orientation.sante-centre.fr', allowedOrigins: ['http://orientation.sante-centre.fr'] });
    s.user.plan();
    expectError(await cardLogin(), 'INVALID_ORIGIN');
    await useFreshUserSettings({});
  });

  test('service down: SERVICE_UNREACHABLE before any PIN is asked, then it works again once the service is back', async () => {
    await useFreshUserSettings({ serviceUrl: await freePortUrl() });
    s.user.plan();
    const r = await cardLogin();
    expectError(r, 'SERVICE_UNREACHABLE');
    if (!r.ok) assert.equal(r.error.retriable, true);
    assert.ok(expectOk(await s.controller.handle('account:regions', null)).length > 0, 'the shipped copy of the regions');
    assert.equal(s.user.seen.length, 0);
    await useFreshUserSettings({});
    assert.ok(expectOk(await s.controller.handle('account:regions', null)).length > 0);
  });
});

describe('links, language, payload checks', () => {
  test('regions come from the service; only allowed https links (and the support pages the service lists) open', async () => {
    const regions = expectOk(await s.controller.handle('account:regions', null));
    assert.ok(regions.every((r) => typeof r.id === 'string' && typeof r.howToGetAccount === 'string'), JSON.stringify(regions).slice(0, 500));
    s.opened.length = 0;
    expectOk(await s.controller.handle('link:open-external', CRYPTOLIB_HELP_URL));
    const supportUrl = regions.find((r) => r.support?.url)?.support?.url;
    if (supportUrl) expectOk(await s.controller.handle('link:open-external', supportUrl));
    expectError(await s.controller.handle('link:open-external', 'https://evil.example.com/'), 'ORIGIN_NOT_ALLOWED');
    expectError(await s.controller.handle('link:open-external', 'http://industriels.esante.gouv.fr/'), 'INVALID_ORIGIN');
    expectError(await s.controller.handle('link:open-external', 'file:///etc/passwd'), 'INVALID_ORIGIN');
    expectError(await s.controller.handle('link:open-external', 'javascript:alert(1)'), 'INVALID_ORIGIN');
    assert.equal(s.opened.length, supportUrl ? 2 : 1);
  });

  test('support contacts the service lists open as mailto: (the address only, audit #11.6) and tel: links; nothing else', async () => {
    const regions = expectOk(await s.controller.handle('account:regions', null));
    const email = regions.find((r) => r.support.email)!.support.email!;
    const phone = regions.find((r) => r.support.phone)!.support.phone!;
    s.opened.length = 0;
    expectOk(await s.controller.handle('link:open-external', `mailto:${email}?cc=spy@evil.example.com&bcc=x@evil.example.com&attach=/etc/passwd&body=hi`));
    expectOk(await s.controller.handle('link:open-external', `mailto:${email.toUpperCase()}`));
    expectOk(await s.controller.handle('link:open-external', telHref(phone)));
    assert.deepEqual(s.opened, [`mailto:${email}`, `mailto:${email.toUpperCase()}`, telHref(phone)]);
    expectError(await s.controller.handle('link:open-external', 'mailto:someone@evil.example.com'), 'ORIGIN_NOT_ALLOWED');
    expectError(await s.controller.handle('link:open-external', `mailto:someone@evil.example.com,${email}`), 'ORIGIN_NOT_ALLOWED');
    expectError(await s.controller.handle('link:open-external', 'tel:+33899123456'), 'ORIGIN_NOT_ALLOWED');
    expectError(await s.controller.handle('link:open-external', `${telHref(phone)};ext=99`), 'ORIGIN_NOT_ALLOWED');
    assert.equal(s.opened.length, 3);
  });

    test('the service unreachable: the regions shipped with the app still show, and their support contacts still open', async (t) => {
    const settings = await SettingsStore.open({
      userFile: path.join(s.dir, 'down-user', 'settings.json'), policy: linuxPolicyReader(path.join(s.dir, 'down-policies')),
      defaults: { serviceUrl: 'http://127.0.0.1:9' },
    });
    const opened: string[] = [];
    const controller = new AppController({ cards: s.cards, http: fetchHttp(), pin: s.user, settings, log: s.log, appVersion: 'test',
      system: { openExternal: async (url) => { opened.push(url); }, chooseSavePath: async () => null } });
    t.after(() => controller.dispose());
    const regions = expectOk(await controller.handle('account:regions', null));
    assert.deepEqual(regions.map((r) => r.id), expectOk(await s.controller.handle('account:regions', null)).map((r) => r.id));
    assert.ok(regions.every((r) => r.support.label && (r.support.email || r.support.phone || r.support.url)));
    const email = regions.find((r) => r.support.email)!.support.email!;
    expectOk(await controller.handle('link:open-external', `mailto:${email}`));
    assert.deepEqual(opened, [`mailto:${email}`]);
  });

  test('the PIN dialog names the service as users know it (serviceName, by policy), else as the service names itself', async () => {
    await insertCard(s, 'cpe', 0);
    await writeFile(path.join(await ensureDir(s.policyDir), 'name.json'), JSON.stringify({ serviceName: 'ViaTrajectoire — Centre-Val de Loire' }));
    await s.settings.reload();
    s.user.plan('cancel');
    expectError(await cardLogin(), 'CANCELLED');
    assert.deepEqual(s.user.seen[0].requester, { name: 'ViaTrajectoire — Centre-Val de Loire', origin: new URL(s.server.url).origin });
    await rm(path.join(s.policyDir, 'name.json'));
    await s.settings.reload();
    s.user.plan('cancel');
    expectError(await cardLogin(), 'CANCELLED');
    assert.deepEqual(s.user.seen[0].requester, { name: DEFAULT_SERVICE_NAME, origin: new URL(s.server.url).origin },
      'without the setting, the name from the service\'s own challenge answer, the origin as small print');
  });

  test('the chosen region is remembered as a user setting; a region IT set by policy stays', async () => {
    const view = expectOk(await s.controller.handle('settings:set-region', 'normandie'));
    assert.deepEqual(view.region, { value: 'normandie', source: 'user', locked: false });
    assert.equal(JSON.parse(await readFile(path.join(s.dir, 'user', 'settings.json'), 'utf8')).region, 'normandie');
    await writeFile(path.join(await ensureDir(s.policyDir), 'region.json'), JSON.stringify({ region: 'grand-est' }));
    await s.settings.reload();
    assert.deepEqual(expectOk(await s.controller.handle('app:snapshot', null)).settings.region, { value: 'grand-est', source: 'policy', locked: true });
    expectError(await s.controller.handle('settings:set-region', 'normandie'), 'BAD_REQUEST');
    await rm(path.join(s.policyDir, 'region.json'));
    await useFreshUserSettings({});
  });

  test('English: settings change announced, PIN dialog and errors in English; locked by policy → refused', async () => {
    await insertCard(s, 'cpe', 0);
    const view = expectOk(await s.controller.handle('settings:set-language', 'en'));
    assert.deepEqual(view.language, { value: 'en', source: 'user', locked: false });
    assert.equal(s.eventsOf('settings:changed').at(-1)?.language.value, 'en');
    s.user.plan('cancel');
    const r = await cardLogin();
    expectError(r, 'CANCELLED');
    if (!r.ok) assert.equal(r.error.message, 'Operation cancelled.');
    assert.equal(s.user.seen[0].lang, 'en');

    await writeFile(path.join(await ensureDir(s.policyDir), 'lang.json'), JSON.stringify({ language: 'fr' }));
    await s.settings.reload();
    expectError(await s.controller.handle('settings:set-language', 'en'), 'BAD_REQUEST');
    await rm(path.join(s.policyDir, 'lang.json'));
    await useFreshUserSettings({});
  });

  test('malformed payloads and unknown channels are refused without running anything, and never echo values', async () => {
    s.user.plan();
    const cases: [string, unknown][] = [
      ['account:link', { username: DEMO_USER, password: DEMO_PASSWORD, extra: true }],
      ['account:link', { readerIndex: 0, username: DEMO_USER, password: DEMO_PASSWORD }],
      ['account:link', { username: '', password: DEMO_PASSWORD }],
      ['account:link', { username: DEMO_USER, password: 42 }],
      ['account:card-login', null],
      ['account:card-login', { readerIndex: -1 }],
      ['account:create-doctor', { profile: { ...VALID_PROFILE, admin: true } }],
      ['account:first-login-cancel', { ticket: 'x' }],
      ['browser:retry', 'cpxlink://login'],
      ['settings:set-language', 'de'],
      ['app:snapshot', { sneaky: 1 }],
      ['shell:exec', 'rm -rf /'],
      ['browser:open-link', 'cpxlink://login?service=x&tx=y'],
      ['__proto__', null],
    ];
    for (const [channel, payload] of cases) {
      const r = await s.controller.handle(channel as never, payload);
      expectError(r, 'BAD_REQUEST');
      if (!r.ok) assert.ok(!r.error.message.includes(DEMO_PASSWORD), 'the password is echoed');
    }
    assert.equal(s.user.seen.length, 0);
  });

  test('one card operation at a time: a second one while the PIN dialog is open gets SERVICE_BUSY', async () => {
    let release!: () => void;
    const opened = new Promise<void>((resolve) => {
      s.user.plan(async () => { resolve(); await new Promise<void>((r) => { release = r; }); return null; });
    });
    const first = cardLogin();
    await opened;
    expectError(await cardLogin(), 'SERVICE_BUSY');
    release();
    expectError(await first, 'CANCELLED');
  });

  for (const [how, stop] of [
    ['"Annuler" in the main window (flow:cancel)', async () => expectOk(await s.controller.handle('flow:cancel', null))],
    ['the main window gone (closed, reloaded)', async () => { s.controller.cancelFlow('window-gone'); }],
  ] as const) {
    test(`${how} ends a flow waiting at the PIN dialog: the dialog closes, the card is usable again at once`, async () => {
      let promptSignal: AbortSignal | undefined;
      const opened = new Promise<void>((resolve) => {
        s.user.plan(async (_req, signal) => {
          promptSignal = signal;
          resolve();
          await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
          return null;
        }, RIGHT_PIN);
      });
      const before = logins();
      const first = cardLogin();
      await opened;
      await stop();
      expectError(await first, 'CANCELLED');
      assert.ok(promptSignal?.aborted, 'the PIN dialog was told to close');
      assert.equal(logins(), before, 'nothing sent to the card');
      expectOk(await cardLogin()); // no SERVICE_BUSY: the PIN typed this time reaches the card
    });
  }

  test('flow:cancel with nothing running is harmless', async () => {
    expectOk(await s.controller.handle('flow:cancel', null));
    expectError(await s.controller.handle('flow:cancel', { now: true }), 'BAD_REQUEST');
  });
});

describe('a card the service will not accept', () => {
  test('is said before the PIN: CARD_NOT_ACCEPTED, no dialog, nothing signed; a card it accepts goes through', async (t) => {
    // A second service that trusts only the real IGC-Santé authorities: the simulator's test cards are not for it.
    const files = readdirSync(IGC_SANTE_DIR).filter((f) => f.endsWith('.pem')).map((f) => path.join(IGC_SANTE_DIR, f));
    const real = await startServer({ port: 0, dataDir: path.join(s.dir, 'real-db'), trust: files, crl: [s.sim.env.CPX_TEST_CRL], warn: () => {} });
    const settings = await SettingsStore.open({
      userFile: path.join(s.dir, 'real-user', 'settings.json'), policy: linuxPolicyReader(path.join(s.dir, 'real-policies')),
      defaults: { serviceUrl: real.url },
    });
    const controller = new AppController({ cards: s.cards, http: fetchHttp(), pin: s.user, settings, log: s.log, appVersion: 'test',
      system: { openExternal: async () => {}, chooseSavePath: async () => null } });
    t.after(async () => { controller.dispose(); await real.close(); });
    await insertCard(s, 'cpe', 0);
    s.user.plan();
    const before = logins();
    const r = await controller.handle('account:card-login', { readerIndex: 0 });
    expectError(r, 'CARD_NOT_ACCEPTED');
    if (!r.ok) {
      assert.match(r.error.message, /n'est pas acceptée par ce service/);
      assert.match(bodyForPeople(r.error, 'fr').message, /Aucun code porteur n'a été demandé/);
      assert.doesNotMatch(bodyForPeople(r.error, 'fr').message, /CN=/, 'the issuer DN is small print');
    }
    assert.equal(s.user.seen.length, 0, 'no PIN dialog');
    assert.equal(logins(), before);
    // The test service accepts the same card: its list is read and the PIN is asked as usual.
    s.user.plan('cancel');
    expectError(await cardLogin(), 'CANCELLED');
    assert.equal(s.user.seen.length, 1);
    assert.ok(s.requests.some((u) => u.endsWith('/api/trust')));
  });
});

describe('secrets', () => {
  test('the log and the diagnostic report hold no PIN, password, ticket or session', async () => {
    // One more full flow, so the log and the report have something recent to show.
    s.user.plan(RIGHT_PIN);
    loggedIn(expectOk(await cardLogin(1)));
    expectOk(await s.controller.handle('account:open-service', null));
    const saved = expectOk(await s.controller.handle('diagnostic:save', null));
    assert.ok(saved && saved.path.startsWith(path.join(s.dir, 'reports')), saved?.path);
    const reportText = await readFile(saved!.path, 'utf8');
    const report = JSON.parse(reportText);
    assert.equal(report.format, 'cpx-link-diagnostic:1');
    assert.equal(report.app.version, '0.1.0-test');
    assert.ok(report.recentLog.some((l: string) => l.includes('flow.done')), report.recentLog.join('\n'));

    const logText = await readFile(s.logFile, 'utf8');
    for (const [name, text] of [['report', reportText], ['log', logText]] as const) {
      assert.ok(!text.includes(DEMO_PASSWORD), `password in the ${name}`);
      assert.ok(!text.includes(WRONG_PIN), `wrong PIN in the ${name}`);
      assert.ok(!/(?<![\d.:-])1234(?![\d.:-])/.test(text), `PIN in the ${name}`);
      assert.ok(!/"(session|token|password|pin|ticket)"\s*:/.test(text), `secret field in the ${name}`);
      assert.ok(!/[?&]c=[A-Za-z0-9_-]{43}/.test(text), `a one-time URL in the ${name}`);
    }
  });
});

async function ensureDir(d: string): Promise<string> {
  await mkdir(d, { recursive: true });
  return d;
}
