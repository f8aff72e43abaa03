import type { Handler } from './index.ts';

/** Finalises the module (C_Finalize) after the running operation; the worker exits once the answer is sent. */
export const shutdown: Handler<'shutdown'> = {
  run: async (svc) => {
    await svc.stop();
    return { ok: true };
  },
};
