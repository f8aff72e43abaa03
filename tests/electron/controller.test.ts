// The app controller end to end: real card service over the simulator, real reference service, a scripted user at
// the PIN dialog. Each IPC channel is driven through controller.handle(), as the Electron shell and the bridge do.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CpxError } from '../../protocol/errors.ts';
import type { Result } from '../../protocol/ipc.ts';
import { DEMO_PASSWORD, DEMO_USER, insertCard, RIGHT_PIN, startStack, WRONG_PIN, type Stack } from './harness.ts';

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
const logins = () => s.sim.counters().C_Login ?? 0;

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

describe('first card login and later logins', () => {
  test('snapshot: version, settings with sources, live card state, card service up', async () => {
    await insertCard(s, 'cpe', 0);
    const snap = expectOk(await s.controller.handle('app:snapshot', null));
    assert.equal(snap.appVersion, '0.1.0-test');
    assert.deepEqual(snap.settings.serviceUrl, { value: s.server.url, source: 'default', locked: false });
    assert.equal(snap.cardServiceUp, true);
    const refreshed = expectOk(await s.controller.handle('card:refresh', null));
    assert.equal(refreshed.kind, 'CARD_PRESENT');
    assert.equal(refreshed.cards[0].cardType, 'CPE');
  });

  test('link a CPE to demo.etab through Espace professionnel: PIN dialog shows who asks and whose card, one C_Login', async () => {
    s.sim.resetCounters();
    s.user.plan(RIGHT_PIN);
    const before = s.events.length;
    const r = await s.controller.handle('account:link', { readerIndex: 0, username: DEMO_USER, password: DEMO_PASSWORD });
    const loggedIn = expectOk(r);
    assert.equal(loggedIn.account.username, DEMO_USER);
    assert.equal(loggedIn.serviceUrl, s.server.url);
    assert.ok(loggedIn.account.nationalIds.some((l) => l.type === 'FINESS'), JSON.stringify(loggedIn.account.nationalIds));
    assert.equal(loggedIn.account.cards.length, 1);

    const [req] = s.user.seen;
    assert.equal(s.user.seen.length, 1);
    assert.equal(req.requester, new URL(s.server.url).host);
    assert.equal(req.holder.name, 'NATHALIE PETIT');
    assert.equal(req.holder.cardType, 'CPE');
    assert.equal(req.triesLeft, 3);
    assert.equal(req.finalTry, false);
    assert.equal(req.pinpad, false);
    assert.equal(req.lang, 'fr');
    assert.equal(req.previousError, undefined);
    assert.equal(logins(), 1);
    assert.ok(s.user.given[0].every((b) => b === 0), 'the PIN bytes are zeroed after use');
    assert.ok(s.user.closed >= 1, 'the PIN dialog is closed when the operation ends');

    const steps = s.events.slice(before).filter((e) => e.event === 'flow:progress').map((e) => (e.payload as { step: string }).step);
    assert.deepEqual(steps, ['challenge', 'pin', 'signing', 'sending', 'done']);
  });

  test('card login afterwards: one PIN, logged in, the account page as the service shows it', async () => {
    s.user.plan(RIGHT_PIN);
    const loggedIn = expectOk(await s.controller.handle('account:card-login', { readerIndex: 0 }));
    assert.equal(loggedIn.account.username, DEMO_USER);
    assert.equal(loggedIn.account.kind, 'establishment');
  });

  test('wrong PIN then right PIN: the dialog comes back with the error and 2 tries left; one C_Login per attempt', async () => {
    s.sim.resetCounters();
    s.user.plan(WRONG_PIN, RIGHT_PIN);
    const loggedIn = expectOk(await s.controller.handle('account:card-login', { readerIndex: 0 }));
    assert.equal(loggedIn.account.username, DEMO_USER);
    assert.equal(s.user.seen.length, 2);
    assert.equal(s.user.seen[1].previousError?.code, 'PIN_INCORRECT');
    assert.match(s.user.seen[1].previousError!.message, /Code porteur incorrect/);
    assert.equal(s.user.seen[1].triesLeft, 2);
    assert.equal(logins(), 2);
  });

  test('cancel at the PIN dialog: CANCELLED, the card is never asked to log in', async () => {
    s.sim.resetCounters();
    s.user.plan('cancel');
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'CANCELLED');
    assert.equal(logins(), 0);
  });

  test('the same card linked again elsewhere is refused by the service with its own code', async () => {
    s.user.plan(RIGHT_PIN);
    expectError(await s.controller.handle('account:link', { readerIndex: 0, username: DEMO_USER, password: 'wrong-password' }),
      'CREDENTIALS_INVALID');
  });

  test('three wrong PINs: PIN_LOCKED, the user was asked exactly three times and no fourth C_Login ever happens', async () => {
    await insertCard(s, 'cpe', 0); // a fresh card: PIN counter reset
    s.sim.resetCounters();
    s.user.plan(WRONG_PIN, WRONG_PIN, { pin: WRONG_PIN, confirmFinalTry: true }, RIGHT_PIN);
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'PIN_LOCKED');
    assert.equal(s.user.seen.length, 3);
    assert.deepEqual(s.user.seen.map((r) => r.triesLeft), [3, 2, 1]);
    assert.equal(s.user.seen[2].finalTry, true, 'the last try is announced as such');
    assert.equal(logins(), 3);

    s.user.plan(RIGHT_PIN);
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'PIN_LOCKED');
    assert.equal(s.user.seen.length, 0, 'a blocked card does not open the PIN dialog');
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
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'CARD_REMOVED');
    assert.equal(logins(), 0);
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'NO_CARD');
  });
});

describe('readers and the card service', () => {
  test('PIN-pad reader: the dialog says so and sends no PIN; the PIN typed on the reader logs in', async () => {
    await insertCard(s, 'cpe', 0);
    s.sim.setPinpad(0, true);
    s.sim.typeOnPinpad(0, RIGHT_PIN);
    try {
      s.user.plan({ pin: '' });
      const loggedIn = expectOk(await s.controller.handle('account:card-login', { readerIndex: 0 }));
      assert.equal(loggedIn.account.username, DEMO_USER);
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
        // The user presses "Annuler" in the dialog once the reader is waiting for the code.
        setTimeout(() => withdraw.abort(new CpxError('CANCELLED')), 200);
        return { pin: new Uint8Array(0), confirmFinalTry: false, withdrawn: withdraw.signal };
      });
      expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'CANCELLED');
      assert.equal(s.user.closed, 1, 'the PIN dialog is closed');
      // The reader itself still waits: the code typed on it ends the login, after which the service stops.
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
    s.sim.resetCounters();
    s.user.plan(RIGHT_PIN);
    try {
      expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'SERVICE_CRASHED');
    } finally {
      s.sim.injectFault('C_Login', null);
    }
    assert.equal(s.user.seen.length, 1, 'the PIN is not asked again, nor resent');
    await back;
    const told = s.eventsOf('card:service').slice(seenBefore);
    assert.deepEqual(told.slice(0, 2), [{ up: false, crashed: true }, { up: true }]);
    const snap = expectOk(await s.controller.handle('app:snapshot', null));
    assert.equal(snap.cardServiceUp, true);
    s.user.plan(RIGHT_PIN);
    expectOk(await s.controller.handle('account:card-login', { readerIndex: 0 }));
  });
});

describe('Espace médecin libéral', () => {
  test('create an independent doctor account with cps-medecin', async () => {
    await insertCard(s, 'cps-medecin', 1);
    s.user.plan(RIGHT_PIN);
    const loggedIn = expectOk(await s.controller.handle('account:create-doctor', { readerIndex: 1, profile: VALID_PROFILE }));
    assert.equal(loggedIn.account.kind, 'independent-doctor');
    assert.equal(loggedIn.account.surname, 'BERNARD');
    assert.equal(loggedIn.account.email, 'lucie.bernard@example.fr');
    assert.ok(loggedIn.account.nationalIds.some((l) => l.type === 'RPPS' && l.value.includes('99700012349')), JSON.stringify(loggedIn.account.nationalIds));
    assert.equal(s.user.seen[0].holder.profession, 'Médecin');

    s.user.plan(RIGHT_PIN);
    expectError(await s.controller.handle('account:create-doctor', { readerIndex: 1, profile: VALID_PROFILE }), 'ACCOUNT_EXISTS');
  });

  test('an invalid form or a non-CPS card is refused before any PIN is asked', async () => {
    s.user.plan();
    const r = await s.controller.handle('account:create-doctor', { readerIndex: 1, profile: { ...VALID_PROFILE, email: 'nope', postalCode: '' } });
    expectError(r, 'PROFILE_INVALID');
    if (!r.ok) assert.match(r.error.message, /email/);
    await insertCard(s, 'cpe', 0);
    expectError(await s.controller.handle('account:create-doctor', { readerIndex: 0, profile: VALID_PROFILE }), 'INDEPENDENT_DOCTOR_ONLY');
    assert.equal(s.user.seen.length, 0);
  });
});

describe('only the configured service, over https except loopback', () => {
  test('a service outside the allowed list is refused before the card or the network is touched', async () => {
    await writeFile(path.join(await ensureDir(s.policyDir), 'origins.json'), JSON.stringify({ allowedOrigins: ['https://orientation.sante-centre.fr'] }));
    await s.settings.reload();
    s.sim.resetCounters();
    s.user.plan();
    const r = await s.controller.handle('account:card-login', { readerIndex: 0 });
    expectError(r, 'ORIGIN_NOT_ALLOWED');
    if (!r.ok) assert.match(r.error.message, /127\.0\.0\.1/);
    expectError(await s.controller.handle('account:regions', null), 'ORIGIN_NOT_ALLOWED');
    assert.equal(logins(), 0);
    await rm(path.join(s.policyDir, 'origins.json'));
    await s.settings.reload();
  });

  test('plain http to a host that is not this machine is refused (INVALID_ORIGIN)', async () => {
    await useFreshUserSettings({ serviceUrl: 'http://orientation.sante-centre.fr', allowedOrigins: ['http://orientation.sante-centre.fr'] });
    s.user.plan();
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'INVALID_ORIGIN');
    await useFreshUserSettings({});
  });

  test('service down: SERVICE_UNREACHABLE before any PIN is asked, then it works again once the service is back', async () => {
    await useFreshUserSettings({ serviceUrl: await freePortUrl() });
    s.user.plan();
    const r = await s.controller.handle('account:card-login', { readerIndex: 0 });
    expectError(r, 'SERVICE_UNREACHABLE');
    if (!r.ok) assert.equal(r.error.retriable, true);
    expectError(await s.controller.handle('account:regions', null), 'SERVICE_UNREACHABLE');
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
    expectOk(await s.controller.handle('account:open-service', null));
    assert.deepEqual(s.opened, [s.server.url]);
    expectOk(await s.controller.handle('link:open-external', 'https://industriels.esante.gouv.fr/produits-et-services/cps-et-socle-technique'));
    const supportUrl = regions.find((r) => r.support?.url)?.support?.url;
    if (supportUrl) expectOk(await s.controller.handle('link:open-external', supportUrl));
    expectError(await s.controller.handle('link:open-external', 'https://evil.example.com/'), 'ORIGIN_NOT_ALLOWED');
    expectError(await s.controller.handle('link:open-external', 'http://industriels.esante.gouv.fr/'), 'INVALID_ORIGIN');
    expectError(await s.controller.handle('link:open-external', 'file:///etc/passwd'), 'INVALID_ORIGIN');
    expectError(await s.controller.handle('link:open-external', 'javascript:alert(1)'), 'INVALID_ORIGIN');
    assert.equal(s.opened.length, supportUrl ? 3 : 2);
  });

  test('English: settings change announced, PIN dialog and errors in English; locked by policy → refused', async () => {
    const view = expectOk(await s.controller.handle('settings:set-language', 'en'));
    assert.deepEqual(view.language, { value: 'en', source: 'user', locked: false });
    assert.equal(s.eventsOf('settings:changed').at(-1)?.language.value, 'en');
    s.user.plan('cancel');
    const r = await s.controller.handle('account:card-login', { readerIndex: 0 });
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
      ['account:link', { readerIndex: 0, username: DEMO_USER, password: DEMO_PASSWORD, extra: true }],
      ['account:link', { readerIndex: -1, username: DEMO_USER, password: DEMO_PASSWORD }],
      ['account:link', { readerIndex: 0, username: '', password: DEMO_PASSWORD }],
      ['account:link', { readerIndex: 0, username: DEMO_USER, password: 42 }],
      ['account:card-login', null],
      ['account:create-doctor', { readerIndex: 0, profile: { ...VALID_PROFILE, admin: true } }],
      ['settings:set-language', 'de'],
      ['app:snapshot', { sneaky: 1 }],
      ['shell:exec', 'rm -rf /'],
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
    const first = s.controller.handle('account:card-login', { readerIndex: 0 });
    await opened;
    expectError(await s.controller.handle('account:card-login', { readerIndex: 0 }), 'SERVICE_BUSY');
    release();
    expectError(await first, 'CANCELLED');
  });
});

describe('secrets', () => {
  test('the log and the diagnostic report hold no PIN, password or session', async () => {
    // One more full flow, so the log and the report have something recent to show.
    s.user.plan(RIGHT_PIN);
    expectOk(await s.controller.handle('account:card-login', { readerIndex: 1 }));
    const saved = expectOk(await s.controller.handle('diagnostic:save', null));
    assert.ok(saved && saved.path.startsWith(path.join(s.dir, 'reports')), saved?.path);
    const reportText = await readFile(saved!.path, 'utf8');
    const report = JSON.parse(reportText);
    assert.equal(report.format, 'cpx-link-diagnostic:1');
    assert.equal(report.app.version, '0.1.0-test');
    assert.equal(report.settings.serviceUrl.source, 'default');
    assert.ok(report.cardService.modules.some((m: { status: string }) => m.status === 'loaded'), JSON.stringify(report.cardService.modules));
    assert.ok(report.cardService.cards.some((c: { cardLock?: { triesLeft: number } }) => c.cardLock?.triesLeft === 3),
      JSON.stringify(report.cardService.cards.map((c: { cardLock?: unknown }) => c.cardLock)));
    assert.ok(report.recentLog.length > 5, `${report.recentLog.length} log lines`);
    assert.ok(report.recentLog.some((l: string) => l.includes('flow.done')), report.recentLog.join('\n'));

    const logText = await readFile(s.logFile, 'utf8');
    for (const [name, text] of [['report', reportText], ['log', logText]] as const) {
      assert.ok(!text.includes(DEMO_PASSWORD), `password in the ${name}`);
      assert.ok(!text.includes(WRONG_PIN), `wrong PIN in the ${name}`);
      assert.ok(!/(?<![\d.:-])1234(?![\d.:-])/.test(text), `PIN in the ${name}`);
      assert.ok(!/"(session|token|password|pin)"\s*:/.test(text), `secret field in the ${name}`);
    }
  });
});

async function ensureDir(d: string): Promise<string> {
  await mkdir(d, { recursive: true });
  return d;
}
