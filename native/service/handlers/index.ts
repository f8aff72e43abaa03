// One handler per request of protocol/card-service.ts; the controller (card-service.ts) dispatches by name.

import type { CardServiceMethod, CardServiceRequests } from '../../../protocol/card-service.ts';
import type { CardService } from '../card-service.ts';
import { authenticate } from './authenticate.ts';
import { cancel } from './cancel.ts';
import { cards } from './cards.ts';
import { changePin } from './change-pin.ts';
import { diagnose } from './diagnose.ts';
import { shutdown } from './shutdown.ts';
import { state } from './state.ts';
import { unblockPin } from './unblock-pin.ts';
import { visibility } from './visibility.ts';

export interface Handler<M extends CardServiceMethod> {
  run(svc: CardService, params: CardServiceRequests[M][0]): Promise<CardServiceRequests[M][1]>;
}

export const handlers: { [M in CardServiceMethod]: Handler<M> } = {
  diagnose, state, cards, authenticate, cancel, changePin, unblockPin, visibility, shutdown,
};
