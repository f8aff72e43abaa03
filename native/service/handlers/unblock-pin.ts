import type { UnblockPinParams } from '../../../protocol/card-service.ts';
import { unblockPinOnCard } from '../../pkcs11/pin-management.ts';
import { withCodesOnChosenCard } from './card-choice.ts';
import type { Handler } from './index.ts';

/** Unblocks the card with its PUK: one C_Login as the SO, one C_InitPIN (card-layer pin-management.ts). */
export const unblockPin: Handler<'unblockPin'> = {
  run: (svc, params: UnblockPinParams) => withCodesOnChosenCard(svc, params,
    { puk: params.puk, newPin: params.newPin, newPinConfirmation: params.newPinConfirmation },
    (m, slot, codes, beforePinpad) => unblockPinOnCard(m, slot, {
      puk: codes.puk, newPin: codes.newPin, newPinConfirmation: params.newPinConfirmation === undefined ? undefined : codes.newPinConfirmation, beforePinpad,
    })),
};
