// Development bridge only: defines window.cpxPin (protocol/ipc.ts PinDialogApi) for the PIN page, which the bridge
// serves on an origin of its own. The PIN goes from here to the bridge's PIN endpoint, never to the main page.
(() => {
  'use strict';
  const token = document.querySelector('meta[name="cpx-bridge-token"]')?.getAttribute('content') ?? '';
  const session = new URLSearchParams(location.search).get('session') ?? '';
  const base = `./pin/${encodeURIComponent(session)}`;
  const headers = { 'content-type': 'application/json', 'x-cpx-token': token };
  // Nothing ties this window to the page that opened it.
  try { window.opener = null; } catch { /* already detached */ }

  let over = false;
  function end() {
    over = true;
    window.close();
  }
  // A kept window (bridge --keep-pin-window) between operations: the page starts afresh — nothing of the last
  // question or its field survives — and waits for the next one. Not a departure: the session stays.
  function reset() {
    if (over) return;
    over = true;
    location.reload();
  }
  /** The host's answer to a wait that ended without a question. */
  function ended(body) {
    if (body && body.closed) end();
    else if (body && body.reset) reset();
  }
  // The host may end the operation while the dialog shows a question (card pulled out, flow over): close then.
  fetch(`${base}/closed`, { headers: { 'x-cpx-token': token } })
    .then((res) => (res.ok ? res.json() : null))
    .then(ended, () => {});

  async function request() {
    const res = await fetch(`${base}/request`, { headers: { 'x-cpx-token': token } });
    if (res.status !== 200) throw new Error(`PIN request refused (HTTP ${res.status})`);
    const body = await res.json();
    if (body.request) {
      // A kept window comes forward with its question.
      window.focus();
      return body.request;
    }
    // The operation is over: the host closes the dialog (or resets a kept one), as the Electron shell does.
    if (body.reset) reset(); else end();
    return new Promise(() => {});
  }

  async function post(action, body) {
    const res = await fetch(`${base}/${action}`, { method: 'POST', headers, body: body === undefined ? '{}' : JSON.stringify(body) });
    const answer = await res.json().catch(() => null);
    if (!res.ok && typeof answer?.ok !== 'boolean') throw new Error(answer?.error?.message ?? `HTTP ${res.status}`);
    return answer;
  }

  const api = Object.freeze({
    request,
    // A refusal is a Result with the error, as in the Electron dialog: the page shows it and goes back to the field.
    submit: (pin, confirmFinalTry) => post('submit', { pin, confirmFinalTry }),
    cancel: async () => { await post('cancel'); },
  });
  Object.defineProperty(window, 'cpxPin', { value: api, writable: false, configurable: false });

  // Closed by the user (window button) while a request waits: the operation is cancelled, not left hanging.
  window.addEventListener('pagehide', () => {
    if (!over) navigator.sendBeacon(`${base}/gone?token=${encodeURIComponent(token)}`);
  });
})();
