// HttpPort over a WHATWG fetch: Node's global fetch for the development bridge and the tests, Electron's net.fetch
// in the shell (same function signature, so one implementation of the JSON and redirect rules).

import type { HttpPort } from './ports.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface FetchHttpOptions {
  /** Per request; a service that does not answer in time is "unreachable", not a frozen app. */
  timeoutMs?: number;
}

export function fetchHttp(fetchImpl: FetchLike = fetch, opts: FetchHttpOptions = {}): HttpPort {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return {
    async request(method, url, jsonBody, headers = {}) {
      const res = await fetchImpl(url, {
        method,
        headers: { accept: 'application/json', ...(jsonBody !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: jsonBody !== undefined ? JSON.stringify(jsonBody) : undefined,
        // A redirect could lead to an origin IT did not allow: the allowed list is checked on the URL we ask for,
        // so we never follow one.
        redirect: 'error',
        credentials: 'omit',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body: unknown = null;
      if (text) {
        try { body = JSON.parse(text); } catch { body = { unparsed: text.slice(0, 200) }; }
      }
      return { status: res.status, body };
    },
  };
}
