import { PINPAD_TIMEOUT_MS, type AuthenticateParams } from '../../../protocol/card-service.ts';
import type { WatchState } from '../../../protocol/card.ts';
import { CpxError } from '../../../protocol/errors.ts';
import { checkNonce, checkOrigin } from '../../../protocol/origin.ts';
import { authenticateWithCard } from '../../pkcs11/authenticate.ts';
import type { LoadedModule, SlotView } from '../../pkcs11/module-host.ts';
import type { PendingAuth } from '../card-service.ts';
import type { Handler } from './index.ts';

/**
 * Both transports (Node fork with advanced serialisation, Electron's postMessage) deliver the host's Uint8Array as
 * one. Anything else is no PIN at all: refused as PIN_FORMAT before the card, unless a PIN pad asks for it.
 */
function pinBytes(pin: unknown): Uint8Array {
  return pin instanceof Uint8Array ? pin : new Uint8Array(0);
}

/**
 * The reader to use. An empty reader that held a card at the last look means the card was pulled out while the
 * user was getting ready (typing the PIN): that is CARD_REMOVED, not "no card".
 */
function pickSlot(m: LoadedModule, readerIndex: number | undefined, last: WatchState | null): SlotView {
  const slots = m.slots();
  if (slots.length === 0) throw new CpxError('NO_READER');
  const wasThere = (i?: number) => last !== null && (last.kind === 'CARD_REMOVED'
    || last.cards.some((c) => i === undefined || c.readerIndex === i));
  if (readerIndex !== undefined && readerIndex !== null) {
    const slot = slots[readerIndex];
    if (!slot) throw new CpxError('READER_NOT_FOUND', { reader: readerIndex });
    if (!slot.cardPresent) throw new CpxError(wasThere(readerIndex) ? 'CARD_REMOVED' : 'NO_CARD');
    return slot;
  }
  const slot = slots.find((s) => s.cardPresent);
  if (!slot) throw new CpxError(wasThere() ? 'CARD_REMOVED' : 'NO_CARD');
  return slot;
}

export const authenticate: Handler<'authenticate'> = {
  run: async (svc, params: AuthenticateParams) => {
    const pin = pinBytes(params.pin);
    const pending: PendingAuth = { cancelled: false };
    try {
      const origin = checkOrigin(params.origin);
      const nonce = checkNonce(params.nonce);
      svc.pending.add(pending);
      return await svc.lock.run(async () => {
        if (pending.cancelled) throw new CpxError('CANCELLED');
        const m = svc.requireModule();
        const slot = pickSlot(m, params.readerIndex, svc.lastState);
        try {
          return await authenticateWithCard(m, slot, {
            origin, nonce, pin,
            confirmFinalTry: params.confirmFinalTry === true,
            appVersion: params.appVersion ?? svc.appVersion,
            isCancelled: () => pending.cancelled,
            knownCertificates: (token) => svc.store.known(slot.handle, token),
            beforePinpadLogin: () => svc.emit({ event: 'pinpad-waiting', readerIndex: slot.index, timeoutMs: PINPAD_TIMEOUT_MS }),
          });
        } finally {
          // The PIN counter or the card itself may have changed: tell the host now, not at the next poll. Queued
          // behind this operation (so before any later request) rather than awaited: the answer goes out first.
          void svc.lock.run(() => svc.refresh()).catch(() => undefined);
        }
      });
    } finally {
      svc.pending.delete(pending);
      pin.fill(0);
    }
  },
};
