// HttpPort over Electron's net.fetch: Chromium's network stack, so the system proxy (PAC, WPAD, authenticating
// proxies) and the OS certificate store (a hospital's own root CA pushed by GPO) apply exactly as in the browser.

import { net } from 'electron';
import { fetchHttp } from '../core/fetch-http.ts';
import type { HttpPort } from '../core/ports.ts';

export function netHttp(): HttpPort {
  // bypassCustomProtocolHandlers: a URL is always a network request, never served by our own app scheme.
  return fetchHttp((url, init) => net.fetch(url, { ...init, bypassCustomProtocolHandlers: true }));
}
