import type { ChangePinParams } from '../../../protocol/card-service.ts';
import { changePinOnCard } from '../../pkcs11/pin-management.ts';
import { PINPAD_TIMEOUT_MS } from '../../../protocol/card-service.ts';
import { codeBytes, onChosenCard } from './card-choice.ts';
import type { Handler } from './index.ts';

/** Changes the card's PIN: one C_SetPIN, after every check that needs no card (card-layer pin-management.ts). */
export const changePin: Handler<'changePin'> = {
  run: async (svc, params: ChangePinParams) => {
    const codes = {
      currentPin: codeBytes(params.currentPin),
      newPin: codeBytes(params.newPin),
      newPinConfirmation: params.newPinConfirmation === undefined ? undefined : codeBytes(params.newPinConfirmation),
    };
    try {
      return await onChosenCard(svc, params, (m, slot) => changePinOnCard(m, slot, {
        ...codes,
        confirmFinalTry: params.confirmFinalTry === true,
        beforePinpad: (step) => svc.emit({ event: 'pinpad-waiting', readerIndex: slot.index, timeoutMs: PINPAD_TIMEOUT_MS, step }),
      }));
    } finally {
      for (const code of Object.values(codes)) code?.fill(0);
    }
  },
};
