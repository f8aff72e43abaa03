// Development bridge only: defines window.cpx (protocol/ipc.ts CpxApi) over fetch + EventSource, the way the Electron
// preload defines it over ipcRenderer. Injected by bridge/http-server.ts before the page's own scripts.
(() => {
  'use strict';
  const token = document.querySelector('meta[name="cpx-bridge-token"]')?.getAttribute('content') ?? '';
  const EVENTS = (document.querySelector('meta[name="cpx-bridge-events"]')?.getAttribute('content') ?? '').split(' ').filter(Boolean);
  const listeners = new Map(EVENTS.map((e) => [e, new Set()]));

  const source = new EventSource(`./events?token=${encodeURIComponent(token)}`);
  for (const name of EVENTS) {
    source.addEventListener(name, (e) => {
      const payload = JSON.parse(e.data);
      for (const fn of listeners.get(name)) {
        try { fn(payload); } catch (err) { console.error(err); }
      }
    });
  }
  // The host asks for the PIN dialog: it lives on its own origin, so this page cannot read it.
  source.addEventListener('pin:open', (e) => {
    const { url } = JSON.parse(e.data);
    const w = window.open(url, '_blank', 'popup,width=480,height=640');
    if (!w) offerLink(url, { fr: 'Ouvrir la fenêtre « Code porteur »', en: 'Open the PIN window' });
  });

  // The host's "open in the system browser" (the service, a support page, a browser login's completion): a new tab,
  // detached from this page. Opened without a click here (the PIN was typed in another window), it may be blocked as
  // a pop-up: then the user gets the link to click.
  source.addEventListener('open:url', (e) => {
    const { url } = JSON.parse(e.data);
    const w = window.open(url, '_blank');
    if (w) { try { w.opener = null; } catch { /* cross-origin already */ } } else offerLink(url, { fr: 'Continuer dans le navigateur', en: 'Continue in the browser' });
  });

  /** A browser that blocks pop-ups still gets a way to the window. */
  function offerLink(url, text) {
    const bar = document.createElement('div');
    bar.setAttribute('role', 'alert');
    Object.assign(bar.style, { position: 'fixed', inset: 'auto 1rem 1rem 1rem', padding: '1rem', background: '#fff4dc', border: '2px solid #e0a526', borderRadius: '8px', zIndex: '100' });
    const a = document.createElement('a');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = document.documentElement.lang === 'en' ? text.en : text.fr;
    a.addEventListener('click', () => bar.remove());
    bar.append(a);
    document.body.append(bar);
  }

  async function invoke(channel, request) {
    let res;
    try {
      res = await fetch(`./ipc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cpx-token': token },
        body: JSON.stringify({ request }),
      });
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL_ERROR', message: `bridge unreachable (${err && err.message})`, params: { detail: 'bridge unreachable' } } };
    }
    const body = await res.json().catch(() => null);
    if (body && typeof body.ok === 'boolean') return body;
    return { ok: false, error: { code: 'INTERNAL_ERROR', message: `bridge HTTP ${res.status}`, params: { detail: `bridge HTTP ${res.status}` } } };
  }

  function on(event, listener) {
    const set = listeners.get(event);
    if (!set) throw new Error(`unknown event ${event}`);
    set.add(listener);
    return () => { set.delete(listener); };
  }

  // What the Electron shell learns from its windows' show/hide/minimise, the bridge learns from this page: the card
  // service watches the readers at its slow pace while the page is hidden (another tab in front, window minimised).
  const tellVisibility = () => { void invoke('app:visibility', document.visibilityState === 'hidden' ? 'hidden' : 'visible'); };
  document.addEventListener('visibilitychange', tellVisibility);
  if (document.visibilityState === 'hidden') tellVisibility();

  Object.defineProperty(window, 'cpx', { value: Object.freeze({ invoke, on }), writable: false, configurable: false });
})();
