import { CpxError } from '../../../protocol/errors.ts';
import type { Handler } from './index.ts';

/**
 * Whether a window of the app is visible: the watcher looks at the readers often only then (or while a flow runs).
 * Not behind the lock: it changes no card state and must not wait for a PIN entry.
 */
export const visibility: Handler<'visibility'> = {
  run: async (svc, params) => {
    if (params.window !== 'visible' && params.window !== 'hidden') throw new CpxError('BAD_REQUEST', { detail: 'window: visible|hidden' });
    svc.setVisibility(params.window);
    return { window: svc.schedule.window };
  },
};
