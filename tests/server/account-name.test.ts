// One rule for the independent doctor's account name: it is made from the national identifier line "Mon compte"
// shows, so `rpps.899700012349` sits beside `RPPS 899700012349` — for every kind of identifier, and through the
// service for the cps-medecin card.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNationalId, nationalIdLine, formatNationalId } from '../../protocol/identity.ts';
import { PROFILES } from '../../native/sim/profiles.ts';
import { accountNameFor } from '../../server/account-page.ts';
import { cardSigner } from './tokens.ts';
import { startHarness, type Harness } from './harness.ts';

test('the account name carries the value of the line shown, for every simulated card', () => {
  assert.equal(accountNameFor(parseNationalId('899700012349')), 'rpps.899700012349');
  assert.equal(accountNameFor(parseNationalId('3330999996/CPET00001')), 'finess.3330999996-CPET00001');
  for (const p of Object.values(PROFILES)) {
    const id = parseNationalId(p.nationalId);
    const line = nationalIdLine(id);
    assert.equal(accountNameFor(id), `${line.type.toLowerCase()}.${line.value.replace(/\//g, '-')}`, p.name);
    assert.equal(formatNationalId(id), `${line.label}: ${line.value}`, p.name);
  }
});

let h: Harness;
before(async () => { h = await startHarness('pglite'); });
after(async () => { await h?.cleanup(); });

test('the service names the independent doctor\'s account after the RPPS line its account page shows', async () => {
  const card = await cardSigner('cps-medecin');
  const nonce = await h.challenge();
  const token = await card.token(h.server.origin, nonce);
  const profile = { specialty: 'Qualifié en médecine générale', email: 'lucie.bernard@example.org', postalCode: '33000', city: 'Bordeaux' };
  const created = await h.post('/api/accounts/independent-doctor', { token, nonce, profile });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { username, nationalIds } = created.body.account as { username: string; nationalIds: { label: string; value: string }[] };
  assert.deepEqual(nationalIds.map((l) => [l.label, l.value]), [['RPPS', '899700012349']]);
  assert.equal(username, `rpps.${nationalIds[0]!.value}`);
});
