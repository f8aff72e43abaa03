// The UI's Content-Security-Policy, written once for every place that states it: the Electron shell's response header
// (electron/shell/ui-session.ts), the development bridge's (bridge/http-server.ts) and the pages' own meta tags
// (renderer/index.html and pin.html, checked equal by tests/renderer/csp.test.ts). No inline script or style, no
// eval, nothing from elsewhere.

const DIRECTIVES = {
  'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'img-src': "'self' data:", 'font-src': "'self'",
  'connect-src': "'none'", 'media-src': "'none'", 'object-src': "'none'", 'frame-src': "'none'", 'worker-src': "'none'",
  'base-uri': "'none'", 'form-action': "'none'", 'frame-ancestors': "'none'",
} as const;

/**
 * - `electron`: the page talks to main only through its preload, so it connects nowhere.
 * - `bridge`: the shims reach the bridge's own endpoints (IPC, events, PIN) on the page's origin.
 * - `meta`: what a page says of itself wherever it is served; a meta tag cannot set frame-ancestors (headers do).
 */
export type UiCspHost = 'electron' | 'bridge' | 'meta';

export function uiContentSecurityPolicy(host: UiCspHost): string {
  const d: Record<string, string> = { ...DIRECTIVES, ...(host === 'electron' ? {} : { 'connect-src': "'self'" }) };
  if (host === 'meta') delete d['frame-ancestors'];
  return Object.entries(d).map(([name, value]) => `${name} ${value}`).join('; ');
}
