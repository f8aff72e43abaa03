// The service's browser cookies, named and set in one place. Over https they are `__Host-` cookies (Secure, Path=/,
// no Domain: no other site, not even a sibling subdomain, can set or read them); on loopback http, where Secure
// cannot work, the same names without the prefix. All HttpOnly: no page script ever reads them.
import type { CookieSerializeOptions } from '@fastify/cookie';
import { TRANSACTION_COOKIE_TTL_MS } from '../lifetimes.ts';

export interface CookieSpec { name: string; options: CookieSerializeOptions }

export interface BrowserCookies {
  /** The browser session (server-side row, hash only). No Max-Age: it ends with the browser, as on a shared workstation it should. */
  session: CookieSpec;
  /** The secret that binds a login transaction to the browser that started it. */
  transaction: CookieSpec;
  /** @fastify/csrf-protection's secret (its tokens are in the pages' forms). */
  csrf: CookieSpec;
}

export function browserCookies(secure: boolean): BrowserCookies {
  const name = (base: string) => (secure ? `__Host-cpx-${base}` : `cpx-${base}`);
  const common: CookieSerializeOptions = { path: '/', httpOnly: true, secure, sameSite: 'lax' };
  return {
    session: { name: name('session'), options: common },
    transaction: { name: name('tx'), options: { ...common, maxAge: TRANSACTION_COOKIE_TTL_MS / 1000 } },
    csrf: { name: name('csrf'), options: common },
  };
}
