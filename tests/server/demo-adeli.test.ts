// The seeded `demo.adeli` account and the simulator's `cps-adeli` card (an older-generation CPS with an ADELI
// number, profession in OU): the card, read and signed through the real card service, links to the account, and
// "Mon compte" then shows the ADELI line as the user guides do (label ADELI, the identifier as the certificate's CN).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROFILES } from '../../native/sim/profiles.ts';
import { demoAccounts } from '../../server/seed.ts';
import { pinBytes, useSimulatedService } from '../card/harness.ts';
import { startHarness, type Harness } from './harness.ts';

const PASSWORD = 'Demo-CPx-2026!';
const fx = useSimulatedService({ card: 'cps-adeli' });
let h: Harness;
before(async () => { h = await startHarness('pglite'); });
after(async () => { await h?.cleanup(); });

test('demo.adeli is seeded for the cps-adeli card, in the demo hospital', () => {
  const a = demoAccounts().find((x) => x.username === 'demo.adeli');
  assert.ok(a, 'demo.adeli in the fixture');
  assert.equal(a.forProfile, 'cps-adeli');
  assert.equal(a.active, true);
  assert.deepEqual([a.surname, a.givenName, a.profession], [PROFILES['cps-adeli']!.surname, PROFILES['cps-adeli']!.givenName, PROFILES['cps-adeli']!.profession]);
  assert.equal(a.establishment.finess, '330999996');
});

test('linking the cps-adeli card to demo.adeli shows the ADELI line in Mon compte', async () => {
  const [card] = await fx.svc.client.request('cards', {});
  assert.equal(card?.holder?.nationalId.type, 'ADELI');
  const nonce = await h.challenge();
  const token = await fx.svc.client.request('authenticate', { origin: h.server.origin, nonce, pin: pinBytes('1234') });
  const linked = await h.post('/api/cards/link', { token, nonce, username: 'demo.adeli', password: PASSWORD, cardNumber: card.cardNumber });
  assert.equal(linked.status, 200, JSON.stringify(linked.body));
  assert.equal(linked.body.account.username, 'demo.adeli');
  const me = await h.get('/api/me', { authorization: `Bearer ${linked.body.session}` });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.nationalIds, [{ label: 'ADELI', value: PROFILES['cps-adeli']!.nationalId, type: 'ADELI' }]);
  assert.equal(me.body.establishment.service, 'Rééducation fonctionnelle');
  assert.equal(me.body.cards[0].cardNumber, card.cardNumber);
});
