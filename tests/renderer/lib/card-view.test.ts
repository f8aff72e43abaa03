// The card panel's mapping: one status per situation the user can be in, decided from the watcher's state the same
// way for every screen, and which cards open the independent doctor's space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CardCertificate, CardInfo, WatchState } from '../../../protocol/card.ts';
import {
  authCertificate, cardStatus, EXPIRY_WARNING_DAYS, holderName, isUsable, nationalIdText, pinActions, readerIndexOf,
  selectCard, type CardStatusKind,
} from '../../../renderer/src/lib/card-view.ts';

function cert(role: CardCertificate['role'], daysLeft: number): CardCertificate {
  return {
    role, daysLeft, subject: 'CN=899700012345+SN=TEST+GN=JEANNE, title=Médecin, C=FR', issuer: 'CN=AC TEST',
    notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2028-01-01T00:00:00.000Z',
  };
}

function card(over: Partial<CardInfo> & { profession?: string | null; daysLeft?: number } = {}): CardInfo {
  const { profession = 'Médecin', daysLeft = 400, ...rest } = over;
  return {
    readerIndex: 0, reader: 'Reader 0', label: 'CPS3v3-2800000001', cardNumber: '2800000001', cardType: 'CPS',
    pin: { triesLeft: 3, locked: false, pinpad: false },
    holder: {
      surname: 'TEST', givenName: 'JEANNE', profession,
      nationalId: { raw: '899700012345', type: 'RPPS', id: '99700012345', structureId: null, internalId: null },
    },
    certificates: [cert('authentication', daysLeft), cert('signature', daysLeft)],
    ...rest,
  };
}

function present(...cards: CardInfo[]): WatchState {
  const readers = [0, 1].map((index) => ({ index, name: `Reader ${index}`, card: cards.some((c) => c.readerIndex === index) }));
  return { kind: 'CARD_PRESENT', readers, cards, unrecognised: [] };
}

const empty = (kind: WatchState['kind'], extra: Partial<WatchState> = {}): WatchState =>
  ({ kind, readers: [], cards: [], unrecognised: [], ...extra });

test('before anything is known, and while the card service restarts', () => {
  assert.equal(cardStatus(null, true, null).kind, 'loading');
  assert.equal(cardStatus(present(card()), false, null).kind, 'service-down', 'a stale state is not shown as usable');
});

test('each watcher state without a card has its own status', () => {
  assert.equal(cardStatus(empty('NO_READER'), true, null).kind, 'no-reader');
  assert.equal(cardStatus(empty('NO_CARD'), true, null).kind, 'no-card');
  assert.equal(cardStatus(empty('CARD_REMOVED'), true, null).kind, 'removed');
  // A middleware that is simply absent needs no more words than the panel's; one that failed to load explains why.
  const absent = cardStatus(empty('NO_MODULE', { module: { path: null, code: 'MODULE_NOT_FOUND', message: 'introuvable' } }), true, null);
  assert.deepEqual([absent.kind, absent.detail], ['no-module', undefined]);
  const broken = cardStatus(empty('NO_MODULE', { module: { path: '/x.so', code: 'MODULE_LOAD_FAILED', message: 'wrong ELF class' } }), true, null);
  assert.deepEqual([broken.kind, broken.detail], ['no-module', 'wrong ELF class']);
  assert.equal(absent.configured, undefined);
});

test('a module someone configured (policy, setting, environment) that is missing or broken: its own message, as such', () => {
  for (const source of ['policy', 'setting', 'environment']) {
    for (const code of ['MODULE_NOT_FOUND', 'MODULE_LOAD_FAILED']) {
      const message = `Le module PKCS#11 configuré (X = /opt/m.so) : ${code}`;
      const s = cardStatus(empty('NO_MODULE', { module: { path: '/opt/m.so', code, message, source } }), true, null);
      assert.deepEqual([s.kind, s.configured, s.detail], ['no-module', true, message], `${source} ${code}`);
    }
  }
  // A default candidate (Cryptolib's usual path) is not "configured": the panel's own advice stands.
  const found = cardStatus(empty('NO_MODULE', { module: { path: '/usr/lib/x.so', code: 'MODULE_NOT_FOUND', message: 'm', source: 'cryptolib' } }), true, null);
  assert.deepEqual([found.configured, found.detail], [undefined, undefined]);
});

test('a card present but unreadable is unrecognised, with the reason the service gave', () => {
  const state: WatchState = { ...present(), unrecognised: [{ reader: 'Reader 0', readerIndex: 0, label: 'JCOP', reason: 'not a CPx card' }] };
  const s = cardStatus(state, true, null);
  assert.deepEqual([s.kind, s.detail, s.card], ['unrecognised', 'not a CPx card', null]);
});

test('a readable card: blocked, expired, without authentication, expiring, ready — in that order of precedence', () => {
  const kind = (c: CardInfo): CardStatusKind => cardStatus(present(c), true, null).kind;
  assert.equal(kind(card()), 'ready');
  assert.equal(kind(card({ daysLeft: EXPIRY_WARNING_DAYS + 1 })), 'ready');
  assert.equal(kind(card({ daysLeft: EXPIRY_WARNING_DAYS })), 'expiring');
  assert.equal(kind(card({ daysLeft: 0 })), 'expiring', 'still valid today');
  assert.equal(kind(card({ daysLeft: -1 })), 'expired');
  assert.equal(kind(card({ certificates: [cert('signature', 400)] })), 'no-auth');
  assert.equal(kind(card({ holder: null })), 'no-auth');
  // Blocked wins even over an expired certificate: unblocking is the first thing to do.
  assert.equal(kind(card({ daysLeft: -1, pin: { triesLeft: 0, locked: true, pinpad: false } })), 'blocked');
  const ready = cardStatus(present(card()), true, null);
  assert.equal(ready.auth?.role, 'authentication', 'never the signature certificate');
});

test('only a ready or expiring card lets the user start a card operation', () => {
  const all: CardStatusKind[] = ['loading', 'service-down', 'no-module', 'no-reader', 'no-card', 'removed', 'unrecognised',
    'blocked', 'expired', 'no-auth', 'expiring', 'ready'];
  assert.deepEqual(all.filter(isUsable), ['expiring', 'ready']);
});

test('the card of the chosen reader, else the first one read; readers found by index or by name', () => {
  const a = card({ readerIndex: 0, cardNumber: 'A' });
  const b = card({ readerIndex: 1, reader: 'Reader 1', cardNumber: 'B' });
  const state = present(a, b);
  assert.equal(selectCard(state, 1)?.cardNumber, 'B');
  assert.equal(selectCard(state, 0)?.cardNumber, 'A');
  assert.equal(selectCard(state, 7)?.cardNumber, 'A', 'a reader that went away falls back to the first card');
  assert.equal(selectCard(state, null)?.cardNumber, 'A');
  assert.equal(selectCard(null, 0), null);
  assert.equal(cardStatus(state, true, 1).card?.cardNumber, 'B');
  // An older service that does not number its readers: the reader's name says which one.
  const { readerIndex: _omitted, ...unnumbered } = b;
  assert.equal(readerIndexOf(unnumbered, state), 1);
  assert.equal(readerIndexOf({ ...unnumbered, reader: 'gone' }, state), 0);
});

test('the holder and the national identifier as the account page writes them', () => {
  assert.equal(holderName(card()), 'JEANNE TEST');
  assert.equal(holderName(null), '');
  assert.equal(nationalIdText(card()), '899700012345 (RPPS)');
  assert.equal(nationalIdText(card({ holder: null })), '');
  assert.equal(authCertificate(card({ certificates: [cert('signature', 1)] })), null);
});

test('PIN management offered: change on a card not blocked, unblock unless the PUK itself is blocked', () => {
  const at = (c: CardInfo) => pinActions(cardStatus(present(c), true, null));
  assert.deepEqual(at(card()), { change: true, unblock: true, pukBlocked: false });
  assert.deepEqual(at(card({ pin: { triesLeft: 0, locked: true, pinpad: false }, puk: { triesLeft: 2, locked: false } })),
    { change: false, unblock: true, pukBlocked: false });
  assert.deepEqual(at(card({ pin: { triesLeft: 0, locked: true, pinpad: false }, puk: { triesLeft: 0, locked: true } })),
    { change: false, unblock: false, pukBlocked: true });
  // A card whose certificate cannot log in still has a PIN of its own.
  assert.deepEqual(at(card({ daysLeft: -3 })), { change: true, unblock: true, pukBlocked: false });
  assert.deepEqual(pinActions(cardStatus(empty('NO_CARD'), true, null)), { change: false, unblock: false, pukBlocked: false });
});
