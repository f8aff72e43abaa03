import type { Handler } from './index.ts';

/** The readers as they are now (read on request, not taken from the last poll). */
export const state: Handler<'state'> = {
  run: (svc) => svc.lock.run(async () => (await svc.refresh()).state),
};
