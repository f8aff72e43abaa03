// The renderer's only way out: the `window.cpx` object the host (Electron preload or development bridge) provides.
// A host failure (missing bridge, dropped connection) becomes an error Result like any other, never an exception.
import type { AppChannel, AppEventName, AppEvents, AppInvokes, CpxApi, PinDialogApi, Result } from '../../../protocol/ipc.ts';
import { errorMessage } from '../../../protocol/errors.ts';

declare global {
  interface Window {
    cpx?: CpxApi;
    cpxPin?: PinDialogApi;
  }
}

export async function invoke<C extends AppChannel>(channel: C, request: AppInvokes[C][0]): Promise<Result<AppInvokes[C][1]>> {
  try {
    if (!window.cpx) throw new Error('window.cpx is missing');
    return await window.cpx.invoke(channel, request);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', 'fr', { detail }), params: { detail } } };
  }
}

export function on<E extends AppEventName>(event: E, listener: (payload: AppEvents[E]) => void): () => void {
  return window.cpx ? window.cpx.on(event, listener) : () => {};
}
