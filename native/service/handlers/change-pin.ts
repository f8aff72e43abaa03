import type { ChangePinParams } from '../../../protocol/card-service.ts';
import { changePinOnCard } from '../../pkcs11/pin-management.ts';
import { withCodesOnChosenCard } from './card-choice.ts';
import type { Handler } from './index.ts';

/** Changes the card's PIN: one C_SetPIN, after every check that needs no card (card-layer pin-management.ts). */
export const changePin: Handler<'changePin'> = {
  run: (svc, params: ChangePinParams) => withCodesOnChosenCard(svc, params,
    { currentPin: params.currentPin, newPin: params.newPin, newPinConfirmation: params.newPinConfirmation },
    (m, slot, codes, beforePinpad) => changePinOnCard(m, slot, {
      currentPin: codes.currentPin, newPin: codes.newPin, newPinConfirmation: params.newPinConfirmation === undefined ? undefined : codes.newPinConfirmation,
      confirmFinalTry: params.confirmFinalTry === true, beforePinpad,
    })),
};
