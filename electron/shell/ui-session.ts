// The session every window lives in: pages come only from our own privileged scheme (files of renderer/dist, with a
// strict CSP header), every other request from a renderer is cancelled, and every permission is refused. The app's
// own network traffic (net.fetch in main) uses the default session and is not affected.

import { readFile } from 'node:fs/promises';
import { protocol, session, type Session } from 'electron';
import { uiContentSecurityPolicy } from '../../protocol/ui-csp.ts';
import type { LogPort } from '../core/log.ts';
import { contentTypeOf, resolveAppFile } from './app-files.ts';
import { APP_SCHEME, UI_PARTITION } from './channels.ts';

/** No inline script or style, no eval, nothing fetched: the UI talks to main only through its preload. */
export const CONTENT_SECURITY_POLICY = uiContentSecurityPolicy('electron');

/** Must run before `app` is ready: the scheme behaves like https (secure context, standard URL parsing). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, codeCache: true } }]);
}

export function setupUiSession(rendererDir: string, log: LogPort): Session {
  const ses = session.fromPartition(UI_PARTITION, { cache: false });

  ses.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(rendererDir, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: {
        'content-type': contentTypeOf(file),
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cross-origin-opener-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });

  // A renderer never reaches the network: its pages and assets are all on our scheme. DevTools (unpackaged only)
  // uses its own schemes.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const scheme = details.url.slice(0, details.url.indexOf(':'));
    const ok = scheme === APP_SCHEME || scheme === 'devtools' || scheme === 'data';
    if (!ok) log.warn('ui.request-blocked', { scheme, resourceType: details.resourceType });
    callback({ cancel: !ok });
  });

  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn('ui.permission-denied', { permission });
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_req, callback) => callback(null));
  ses.on('will-download', (event) => event.preventDefault());
  return ses;
}
