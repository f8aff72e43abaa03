import type { Handler } from './index.ts';

/** Cards present, read without PIN. No module is an error; no reader or no card is an empty list. */
export const cards: Handler<'cards'> = {
  run: (svc) => svc.lock.run(async () => {
    svc.requireModule();
    return (await svc.refresh()).state.cards;
  }),
};
