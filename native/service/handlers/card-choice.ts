// The card an operation works with, chosen under the lock from a fresh slot list, and what every card operation does
// around its work: the lock, the refresh that tells the host what changed, and forgetting a card found gone.

import { PINPAD_TIMEOUT_MS, type CardChoice, type PinpadStep } from '../../../protocol/card-service.ts';
import type { WatchState } from '../../../protocol/card.ts';
import { CpxError } from '../../../protocol/errors.ts';
import type { LoadedModule, SlotView } from '../../pkcs11/module-host.ts';
import { parseCardLabel } from '../../pkcs11/token-facts.ts';
import type { CardService } from '../card-service.ts';

/**
 * The reader to use. With the card number the user saw, only that card: wherever the slots put it now (a reader
 * unplugged moves the others up a slot), never another card that took its place. An empty reader that held a card at
 * the last look means the card was pulled out while the user was getting ready (typing the PIN): that is
 * CARD_REMOVED, not "no card".
 */
export function pickSlot(m: LoadedModule, choice: CardChoice, last: WatchState | null): SlotView {
  const slots = m.slots();
  if (slots.length === 0) throw new CpxError('NO_READER');
  const wasThere = (i?: number) => last !== null && (last.kind === 'CARD_REMOVED'
    || last.cards.some((c) => i === undefined || c.readerIndex === i));
  const readerIndex = choice.readerIndex ?? undefined;
  if (choice.cardNumber) {
    const holds = (s: SlotView | undefined) => s !== undefined && s.cardPresent && parseCardLabel(s.token?.label ?? '')?.cardNumber === choice.cardNumber;
    const preferred = readerIndex !== undefined ? slots[readerIndex] : undefined;
    const slot = holds(preferred) ? preferred : slots.find(holds);
    if (slot) return slot;
    if (readerIndex !== undefined && !slots[readerIndex]) throw new CpxError('READER_NOT_FOUND', { reader: readerIndex });
    throw new CpxError('CARD_REMOVED');
  }
  if (readerIndex !== undefined) {
    const slot = slots[readerIndex];
    if (!slot) throw new CpxError('READER_NOT_FOUND', { reader: readerIndex });
    if (!slot.cardPresent) throw new CpxError(wasThere(readerIndex) ? 'CARD_REMOVED' : 'NO_CARD');
    return slot;
  }
  const slot = slots.find((s) => s.cardPresent);
  if (!slot) throw new CpxError(wasThere() ? 'CARD_REMOVED' : 'NO_CARD');
  return slot;
}

/**
 * Runs a card operation under the lock on the chosen card. A card found gone is forgotten (its certificates are read
 * again from whatever the slot shows next: never another card's identity under its name), and the host is told the
 * new state right after the answer: the PIN counters or the card itself may have changed.
 */
export function onChosenCard<T>(svc: CardService, choice: CardChoice, work: (m: LoadedModule, slot: SlotView) => Promise<T>): Promise<T> {
  return svc.lock.run(async () => {
    const m = svc.requireModule();
    const slot = pickSlot(m, choice, svc.lastState);
    try {
      return await work(m, slot);
    } catch (err) {
      if (err instanceof CpxError && (err.code === 'CARD_REMOVED' || err.code === 'READER_REMOVED')) svc.store.invalidate(slot.handle);
      throw err;
    } finally {
      // Queued behind this operation (so before any later request) rather than awaited: the answer goes out first.
      void svc.lock.run(() => svc.refresh()).catch(() => undefined);
    }
  });
}

/**
 * Both transports (Node fork with advanced serialisation, Electron's postMessage) deliver the host's Uint8Array as
 * one. Anything else is no code at all: refused as malformed before the card, unless a PIN pad asks for it.
 */
export function codeBytes(code: unknown): Uint8Array {
  return code instanceof Uint8Array ? code : new Uint8Array(0);
}


/**
 * A PIN-management request on the card the user chose: its codes as bytes (empty when absent: typed on a PIN pad),
 * zeroed once the request is over whatever happened, and each wait of a PIN-pad reader announced to the host first.
 */
export function withCodesOnChosenCard<K extends string, T>(svc: CardService, choice: CardChoice, raw: Record<K, unknown>,
  work: (m: LoadedModule, slot: SlotView, codes: Record<K, Uint8Array>,
    beforePinpad: (step: PinpadStep) => Promise<void>) => Promise<T>): Promise<T> {
  const codes = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, codeBytes(v)])) as Record<K, Uint8Array>;
  return onChosenCard(svc, choice, (m, slot) => work(m, slot, codes,
    (step) => svc.emit({ event: 'pinpad-waiting', readerIndex: slot.index, timeoutMs: PINPAD_TIMEOUT_MS, step })))
    .finally(() => { for (const code of Object.values<Uint8Array>(codes)) code.fill(0); });
}
