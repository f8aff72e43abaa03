import type { Handler } from './index.ts';

/**
 * Cancels every authentication not yet signing: queued ones end before touching the card, a running one ends
 * before C_Login or, if C_Login is under way (a PIN-pad wait cannot be interrupted through PKCS#11), right after it.
 * Not behind the lock: it must get through while an operation holds it.
 */
export const cancel: Handler<'cancel'> = {
  run: async (svc) => {
    const had = svc.pending.size > 0;
    for (const p of svc.pending) p.cancelled = true;
    return { cancelled: had };
  },
};
