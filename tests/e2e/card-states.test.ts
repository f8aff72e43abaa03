// Card states that need no account service: a configured middleware missing, a card that cannot log in (signature
// only, expired), two cards at once; and the bridge's own guard rails (token, Origin, Host, the PIN origin kept apart).
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { INSTANCE_FILE, OPEN_PATH, OPEN_SECRET_HEADER } from '../../bridge/instance.ts';
import { CARD_LOGIN, startE2E, waitCardStatus, type E2E } from './harness.ts';

describe('a configured middleware that is missing', () => {
  let e: E2E;
  before(async () => {
    e = await startE2E({
      noService: true,
      cardEnv: { CPX_PKCS11_MODULE: '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so.missing', CPX_PKCS11_MODULE_ONLY: '1' },
    });
  });
  after(async () => { await e?.close(); });

  test('a configured module that is missing: the panel says so with the module\'s own words (which setting, which path, why)', async () => {
    await waitCardStatus(e.page, 'no-module');
    const panel = await e.page.locator('.card-panel').innerText();
    assert.match(panel, /Le module de carte configuré est inutilisable/);
    assert.match(panel, /CPX_PKCS11_MODULE = \/opt\/santesocial\/CPS\/lib\/libcps3_pkcs11_lux\.so\.missing\) est introuvable : aucun fichier/);
    assert.match(panel, /n'utilise pas d'autre module à sa place/);
    // Installing Cryptolib would not help: nothing else is tried in place of a module chosen on purpose.
    assert.doesNotMatch(panel, /Installez Cryptolib CPS/);
    assert.equal(await e.page.getByRole('button', { name: 'Comment obtenir Cryptolib CPS' }).count(), 0);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).count(), 0);
    await e.screen('24-card-no-module');
    assert.deepEqual(e.pageProblems, []);
  });
});

describe('cards that cannot log in, two readers, and the bridge guard rails', () => {
  let e: E2E;
  before(async () => { e = await startE2E({ noService: true, readers: 2 }); });
  after(async () => { await e?.close(); });

  test('a signature-only card: no authentication certificate, no login offered', async () => {
    await e.sim.insert('sign-only');
    await waitCardStatus(e.page, 'no-auth');
    assert.match(await e.page.locator('.card-status').innerText(), /pas de certificat d'authentification/);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).count(), 0);
    await e.screen('25-card-no-auth');
  });

  test('an expired card: the date and what to do', async () => {
    await e.sim.insert('expired');
    await waitCardStatus(e.page, 'expired');
    assert.match(await e.page.locator('.card-status').innerText(), /a expiré le \d+ .* commandez une nouvelle carte/);
    assert.equal(await e.page.getByRole('button', { name: CARD_LOGIN }).count(), 0);
    await e.screen('26-card-expired');
  });

  test('two cards in two readers: the user picks the one to use', async () => {
    await e.sim.insert('cps-medecin', 0);
    await e.sim.insert('cps-pharmacien', 1);
    await e.page.locator('#reader-choice').waitFor();
    assert.equal(await e.page.locator('#reader-choice option').count(), 2);
    await e.page.locator('#reader-choice').selectOption({ index: 1 });
    await e.page.getByTestId('holder-name').getByText('CAROLE PHARMACH0007512').waitFor();
    await e.screen('27-two-cards');
    assert.deepEqual(e.pageProblems, []);
  });

  test('the card middleware crashes: the UI says it restarts, then the card is back by itself', async () => {
    e.sim.injectFault('C_GetSlotList', 'abort');
    await waitCardStatus(e.page, 'service-down');
    assert.match(await e.page.locator('.card-status').innerText(), /Le logiciel de la carte redémarre/);
    await e.screen('28-card-service-restarting');
    e.sim.injectFault('C_GetSlotList', null);
    await waitCardStatus(e.page, 'ready');
    assert.deepEqual(e.pageProblems, []);
  });

  test('IPC answers only the page it served: right token, Origin and Host', async () => {
    const html = await (await fetch(e.bridge.url)).text();
    const token = /name="cpx-bridge-token" content="([^"]+)"/.exec(html)?.[1];
    assert.ok(token);
    const origin = new URL(e.bridge.url).origin;
    const call = (headers: Record<string, string>, url = `${origin}/ipc/app:snapshot`) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"request":null}' });

    const ok = await call({ 'x-cpx-token': token, origin });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { ok: boolean }).ok, true);
    assert.equal((await call({ origin })).status, 403, 'no token');
    assert.equal((await call({ 'x-cpx-token': 'x'.repeat(token.length), origin })).status, 403, 'wrong token');
    assert.equal((await call({ 'x-cpx-token': token, origin: 'http://evil.example' })).status, 403, 'foreign Origin');
    const noOrigin = await call({ 'x-cpx-token': token });
    assert.equal(noOrigin.status, 403, 'no Origin');
    // Errors by the rules: a code of the closed list, its status and message, as the account service answers them.
    assert.equal(((await noOrigin.json()) as { ok: boolean; error: { code: string } }).error.code, 'ORIGIN_NOT_ALLOWED');
    assert.equal((await call({ 'x-cpx-token': token, origin }, `${origin}/ipc/no:such-channel`)).status, 404);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) is not served at all.
    const { request } = await import('node:http');
    const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
      const r = request(`${origin}/`, { headers: { host: `rebind.example:${new URL(origin).port}` } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c; });
        res.on('end', () => resolve([res.statusCode!, text]));
      });
      r.on('error', reject);
      r.end();
    });
    assert.deepEqual([status, (JSON.parse(body) as { error: { code: string } }).error.code], [400, 'BAD_REQUEST']);
  });

  test('pages come with a strict CSP and the PIN page lives on its own origin', async () => {
    const res = await fetch(e.bridge.url);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.notEqual(new URL(e.bridge.server.pinOrigin).origin, new URL(e.bridge.url).origin);
    // The main page's token does not open the PIN endpoints from the main origin.
    const html = await res.text();
    const token = /name="cpx-bridge-token" content="([^"]+)"/.exec(html)![1]!;
    const submit = await fetch(`${e.bridge.server.pinOrigin}/pin/AAAAAAAAAAAAAAAAAAAAAAAA/submit`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-cpx-token': token, origin: new URL(e.bridge.url).origin },
      body: '{"pin":"1234","confirmFinalTry":false}',
    });
    assert.equal(submit.status, 403);
  });

  test('the --open hand-over: only a local process that read the instance file (mode 0600, its secret), never a page', async () => {
    const file = path.join(e.bridge.dataDir, INSTANCE_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const { port, secret } = JSON.parse(readFileSync(file, 'utf8')) as { port: number; secret: string };
    const origin = new URL(e.bridge.url).origin;
    assert.equal(port, Number(new URL(origin).port));
    const open = (headers: Record<string, string>) => fetch(`${origin}${OPEN_PATH}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ argv: ['x'] }) });
    assert.equal((await open({})).status, 403, 'no secret');
    assert.equal((await open({ [OPEN_SECRET_HEADER]: 'x'.repeat(secret.length) })).status, 403, 'wrong secret');
    assert.equal((await open({ [OPEN_SECRET_HEADER]: secret, origin })).status, 403, 'a page (it sends Origin), even with the secret');
    const noLink = await open({ [OPEN_SECRET_HEADER]: secret });
    assert.equal(noLink.status, 400);
    assert.equal(((await noLink.json()) as { error: { code: string } }).error.code, 'LINK_INVALID');
  });
});
