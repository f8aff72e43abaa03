import type { UnblockPinParams } from '../../../protocol/card-service.ts';
import { unblockPinOnCard } from '../../pkcs11/pin-management.ts';
import { PINPAD_TIMEOUT_MS } from '../../../protocol/card-service.ts';
import { codeBytes, onChosenCard } from './card-choice.ts';
import type { Handler } from './index.ts';

/** Unblocks the card with its PUK: one C_Login as the SO, one C_InitPIN (card-layer pin-management.ts). */
export const unblockPin: Handler<'unblockPin'> = {
  run: async (svc, params: UnblockPinParams) => {
    const codes = {
      puk: codeBytes(params.puk),
      newPin: codeBytes(params.newPin),
      newPinConfirmation: params.newPinConfirmation === undefined ? undefined : codeBytes(params.newPinConfirmation),
    };
    try {
      return await onChosenCard(svc, params, (m, slot) => unblockPinOnCard(m, slot, {
        ...codes,
        beforePinpad: (step) => svc.emit({ event: 'pinpad-waiting', readerIndex: slot.index, timeoutMs: PINPAD_TIMEOUT_MS, step }),
      }));
    } finally {
      for (const code of Object.values(codes)) code?.fill(0);
    }
  },
};
