// The renderer's only way out: the `window.cpx` object the host (Electron preload or development bridge) provides.
// A host failure (missing bridge, dropped connection) becomes an error Result like any other, never an exception.
import type { AppChannel, AppEventName, AppEvents, AppInvokes, CpxApi, PinDialogApi, Result } from '../../../protocol/ipc.ts';
import { toCpxError } from '../../../protocol/errors.ts';
import { lang } from '../i18n/index.svelte.ts';

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
    return { ok: false, error: toCpxError(err).toBody(lang()) };
  }
}

export function on<E extends AppEventName>(event: E, listener: (payload: AppEvents[E]) => void): () => void {
  return window.cpx ? window.cpx.on(event, listener) : () => {};
}
