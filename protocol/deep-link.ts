// The `cpxlink:` link a service's page hands the app to start a browser login:
//   cpxlink://login?service=<the service's origin, URL-encoded>&tx=<transaction id>
// Built by the service, parsed by the app (Electron shell and development bridge alike). A custom scheme proves
// nothing about who wrote the link, so parsing is strict and total: one known shape, allowlisted keys, bounded
// sizes; anything else is LINK_INVALID before any network request. The caller still checks that the origin is
// one IT allowed.
import { CpxError } from './errors.ts';
import { checkOrigin } from './origin.ts';

export const DEEP_LINK_SCHEME = 'cpxlink';
export const MAX_DEEP_LINK_LENGTH = 700;
/** 32 random bytes, base64url without padding: what a transaction id (and a link ticket) is. */
export const TRANSACTION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface LoginLink { origin: string; transaction: string }

export function buildLoginLink(link: LoginLink): string {
  const origin = checkOrigin(link.origin);
  if (!TRANSACTION_ID_SHAPE.test(link.transaction)) throw new CpxError('LINK_INVALID', { detail: 'tx' });
  return `${DEEP_LINK_SCHEME}://login?service=${encodeURIComponent(origin)}&tx=${link.transaction}`;
}

/** Finds the link among a second instance's arguments (their order is not guaranteed); null when none is one. */
export function findLoginLinkArg(argv: readonly string[]): string | null {
  return argv.find((a) => typeof a === 'string' && a.slice(0, DEEP_LINK_SCHEME.length + 1).toLowerCase() === `${DEEP_LINK_SCHEME}:`) ?? null;
}

export function parseLoginLink(raw: unknown): LoginLink {
  const fail = (detail: string) => new CpxError('LINK_INVALID', { detail });
  if (typeof raw !== 'string') throw fail('not text');
  if (raw.length > MAX_DEEP_LINK_LENGTH) throw fail('too long');
  // Nothing a shell, a quote or a parser could read differently: the link is printable ASCII with no quote,
  // space or backslash, and no switch-like argument ever gets this far (it has no scheme).
  if (!/^[\x21-\x7e]+$/.test(raw) || /["'`\\<>]/.test(raw)) throw fail('characters');
  const prefix = `${DEEP_LINK_SCHEME}://login?`;
  if (raw.slice(0, prefix.length).toLowerCase() !== prefix) throw fail('shape');
  let url: URL;
  try { url = new URL(raw); } catch { throw fail('shape'); }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:` || url.host !== 'login' || (url.pathname !== '' && url.pathname !== '/')
    || url.username || url.password || url.hash) throw fail('shape');
  const keys = [...url.searchParams.keys()];
  if (keys.length !== 2 || new Set(keys).size !== 2 || !keys.includes('service') || !keys.includes('tx')) throw fail('keys');
  const transaction = url.searchParams.get('tx')!;
  if (!TRANSACTION_ID_SHAPE.test(transaction)) throw fail('tx');
  let origin: string;
  try { origin = checkOrigin(url.searchParams.get('service')); } catch { throw fail('service'); }
  return { origin, transaction };
}
