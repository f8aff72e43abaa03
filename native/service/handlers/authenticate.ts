import { PINPAD_TIMEOUT_MS, type AuthenticateParams } from '../../../protocol/card-service.ts';
import { CpxError } from '../../../protocol/errors.ts';
import { checkNonce, checkOrigin } from '../../../protocol/origin.ts';
import { authenticateWithCard } from '../../pkcs11/authenticate.ts';
import type { PendingAuth } from '../card-service.ts';
import { codeBytes, onChosenCard } from './card-choice.ts';
import type { Handler } from './index.ts';

export const authenticate: Handler<'authenticate'> = {
  run: async (svc, params: AuthenticateParams) => {
    const pin = codeBytes(params.pin);
    const pending: PendingAuth = { cancelled: false };
    try {
      const origin = checkOrigin(params.origin);
      const nonce = checkNonce(params.nonce);
      svc.pending.add(pending);
      return await onChosenCard(svc, params, async (m, slot) => {
        if (pending.cancelled) throw new CpxError('CANCELLED');
        return authenticateWithCard(m, slot, {
          origin, nonce, pin,
          confirmFinalTry: params.confirmFinalTry === true,
          appVersion: params.appVersion ?? svc.appVersion,
          isCancelled: () => pending.cancelled,
          knownCertificates: (token) => svc.store.known(slot.handle, token),
          beforePinpadLogin: () => svc.emit({ event: 'pinpad-waiting', readerIndex: slot.index, timeoutMs: PINPAD_TIMEOUT_MS, step: 'pin' }),
        });
      });
    } finally {
      svc.pending.delete(pending);
      pin.fill(0);
    }
  },
};
