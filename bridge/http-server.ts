// The development bridge's HTTP side: the built renderer served as it is, plus the IPC contract of protocol/ipc.ts
// over HTTP (`POST /ipc/<channel>` → Result JSON, `GET /events` → server-sent AppEvents), so a real browser runs the
// real UI against the real main-process services.
//
// Two listeners, both on 127.0.0.1 only: the main window's origin and the PIN dialog's origin. Being different
// origins, the main page can neither read the PIN window nor call its endpoints (same-origin policy + the Origin
// check here), which is what the Electron shell gets from separate windows and preloads.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_CHANNELS, APP_EVENTS, type AppChannel, type AppEventName, type BrowserLoginState, type Result } from '../protocol/ipc.ts';
import { CpxError, toCpxError } from '../protocol/errors.ts';
import { httpErrorAnswer, langOfAcceptLanguage } from '../protocol/http-error.ts';
import { uiContentSecurityPolicy } from '../protocol/ui-csp.ts';
import { OPEN_PATH, OPEN_SECRET_HEADER } from './instance.ts';
import { PinBroker } from './pin-broker.ts';

/** What the bridge needs from the main-process side: exactly the IPC contract, host-side, and the OS's link hand-over. */
export interface BridgeHost {
  invoke(channel: AppChannel, request: unknown): Promise<Result<unknown>>;
  /** Every AppEvent the host pushes; returns an unsubscribe function. */
  subscribe(listener: (event: AppEventName, payload: unknown) => void): () => void;
  /** A second instance's arguments (`--open`), as Electron's second-instance gets them; null when no link is among them. */
  openLink(argv: readonly string[]): BrowserLoginState | null;
  /** No main page is left (closed, reloaded: its event stream ended): a card flow it showed must end and free the card. */
  pageGone(): void;
}

export interface BridgeServerOptions {
  /** Folder of the built renderer (renderer/dist). */
  distDir: string;
  /** The secret a second instance (`--open`) must present (bridge/instance.ts). */
  openSecret: string;
  /** Main window port (0 = any free port). The PIN window always gets a free port of its own. */
  port?: number;
  /** One PIN window kept across operations (pin-broker.ts), as the Electron shell keeps one ready. */
  keepPinWindow?: boolean;
}

export interface BridgeServer {
  /** The main window's URL, token-free: the token is inside the page. */
  readonly url: string;
  readonly pinOrigin: string;
  /** The PinPromptPort to give the controller. */
  readonly pins: PinBroker;
  /** The bridge's "system browser": the newest main page opens the URL in a new tab. */
  openInBrowser(url: string): void;
  /** Plugs the main-process side in (it may need `pins` to be built, hence after start). */
  attach(host: BridgeHost): void;
  close(): Promise<void>;
}

const SHIM_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shim');
const MAX_BODY = 64 * 1024;
const CSP = uiContentSecurityPolicy('bridge');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

type Sse = ServerResponse;

export async function startBridgeServer(opts: BridgeServerOptions): Promise<BridgeServer> {
  const token = randomBytes(24).toString('base64url');
  const distDir = path.resolve(opts.distDir);
  let host: BridgeHost | null = null;
  let unsubscribe: (() => void) | null = null;
  const mainClients = new Set<Sse>();
  let newestMain: Sse | null = null;

  const mainServer = createServer();
  const pinServer = createServer();
  await listen(mainServer, opts.port ?? 0);
  await listen(pinServer, 0);
  const mainPort = (mainServer.address() as AddressInfo).port;
  const pinPort = (pinServer.address() as AddressInfo).port;
  const mainOrigin = `http://127.0.0.1:${mainPort}`;
  const pinOrigin = `http://127.0.0.1:${pinPort}`;

  const pins = new PinBroker((sessionId) => {
    // Only the most recently opened main page opens the dialog, so two tabs never open two PIN windows.
    const url = `${pinOrigin}/pin.html?session=${encodeURIComponent(sessionId)}`;
    if (newestMain) sendEvent(newestMain, 'pin:open', { url });
  }, { keepWindow: opts.keepPinWindow });

  mainServer.on('request', (req, res) => {
    void handle(req, res, mainPort, async (url) => {
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return servePage(req, res, 'index.html', 'main');
      if (req.method === 'GET' && url.pathname === '/events') return openEvents(req, res, url);
      if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) return ipc(req, res, decodeURIComponent(url.pathname.slice(5)));
      if (req.method === 'POST' && url.pathname === OPEN_PATH) return openLink(req, res);
      if (req.method === 'GET' && url.pathname === '/__bridge/main-shim.js') return serveFile(req, res, path.join(SHIM_DIR, 'main-shim.js'));
      if (req.method === 'GET' && url.pathname.startsWith('/assets/')) return serveAsset(req, res, url.pathname);
      return fail(req, res, new CpxError('NOT_FOUND'));
    });
  });

  pinServer.on('request', (req, res) => {
    void handle(req, res, pinPort, async (url) => {
      if (req.method === 'GET' && url.pathname === '/pin.html') return servePage(req, res, 'pin.html', 'pin');
      if (req.method === 'GET' && url.pathname === '/__bridge/pin-shim.js') return serveFile(req, res, path.join(SHIM_DIR, 'pin-shim.js'));
      if (req.method === 'GET' && url.pathname.startsWith('/assets/')) return serveAsset(req, res, url.pathname);
      const m = /^\/pin\/([\w-]{10,64})\/(request|closed|submit|cancel|gone)$/.exec(url.pathname);
      if (m) return pinCall(req, res, url, m[1]!, m[2]!);
      return fail(req, res, new CpxError('NOT_FOUND'));
    });
  });

  // ---- shared request handling ---------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse, port: number, route: (url: URL) => Promise<void>): Promise<void> {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // DNS rebinding: a page on another name resolving to 127.0.0.1 sends its own Host; only ours is served.
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) return fail(req, res, new CpxError('BAD_REQUEST', { detail: 'wrong host' }));
    try {
      await route(new URL(req.url ?? '/', `http://127.0.0.1:${port}`));
    } catch (err) {
      if (!res.headersSent) fail(req, res, err);
      else res.end();
    }
  }

  /** IPC and PIN calls: our own page only (Origin, fetch metadata) and the run's token. */
  function trusted(req: IncomingMessage, origin: string, url: URL, needOrigin: boolean): boolean {
    const o = req.headers.origin;
    if (o !== undefined ? o !== origin : needOrigin) return false;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const given = String(req.headers['x-cpx-token'] ?? url.searchParams.get('token') ?? '');
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async function ipc(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (!trusted(req, mainOrigin, new URL('http://x/'), true)) return fail(req, res, FORBIDDEN(req), NOT_OK);
    if (!(APP_CHANNELS as readonly string[]).includes(channel)) return fail(req, res, new CpxError('NOT_FOUND'), NOT_OK);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(req, res, new CpxError('BAD_REQUEST', { detail: 'JSON expected' }), NOT_OK);
    const body = await readJson(req);
    if (!body.ok) return fail(req, res, new CpxError('BAD_REQUEST', { detail: body.why }), NOT_OK);
    if (!host) return fail(req, res, new CpxError('SERVICE_UNREACHABLE', { detail: 'bridge starting' }), NOT_OK);
    const request = (body.value as { request?: unknown } | null)?.request ?? null;
    let result: Result<unknown>;
    try {
      result = await host.invoke(channel as AppChannel, request);
    } catch (err) {
      result = { ok: false, error: toCpxError(err).toBody() };
    }
    reply(res, 200, result);
  }

  function openEvents(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!trusted(req, mainOrigin, url, false)) return fail(req, res, FORBIDDEN(req));
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    mainClients.add(res);
    newestMain = res;
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      mainClients.delete(res);
      if (newestMain === res) newestMain = [...mainClients].at(-1) ?? null;
      if (mainClients.size === 0) host?.pageGone();
    });
  }

  async function pinCall(req: IncomingMessage, res: ServerResponse, url: URL, sessionId: string, action: string): Promise<void> {
    // The beacon sent when the window goes away carries no custom header: token in the query, Origin when present.
    // Browsers send Origin on POST (not on a same-origin GET), so it is required there.
    if (!trusted(req, pinOrigin, url, req.method === 'POST' && action !== 'gone')) return fail(req, res, FORBIDDEN(req));
    if ((action === 'request' || action === 'closed') && req.method === 'GET') {
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      // Without a question, the page's wait ends with { closed: true } (its window closes) or { reset: true } (a kept
      // window: the page reloads and waits for the next operation).
      const next = action === 'closed' ? await pins.whenClosed(sessionId, gone.signal) : await pins.nextRequest(sessionId, gone.signal);
      if (!res.writableEnded && !res.destroyed) reply(res, 200, typeof next === 'string' ? { [next]: true } : { request: next });
      return;
    }
    if (req.method !== 'POST') return fail(req, res, new CpxError('BAD_REQUEST', { detail: 'POST expected' }));
    if (action === 'cancel' || action === 'gone') {
      pins.cancel(sessionId, action === 'gone');
      return reply(res, 200, { ok: true });
    }
    const body = await readJson(req, true);
    if (!body.ok) return fail(req, res, new CpxError('BAD_REQUEST', { detail: body.why }), NOT_OK);
    const { pin, confirmFinalTry } = (body.value ?? {}) as { pin?: unknown; confirmFinalTry?: unknown };
    // A refusal is the PIN page's to show (it goes back to the PIN field): the broker says which, as a CpxError, and
    // the page gets it as the Electron dialog does — a Result, like every IPC answer (ipc() above).
    let result: Result<null>;
    try {
      pins.submit(sessionId, pin, confirmFinalTry);
      result = { ok: true, value: null };
    } catch (err) {
      result = { ok: false, error: toCpxError(err).toBody(langOfAcceptLanguage(req.headers['accept-language'])) };
    }
    reply(res, 200, result);
  }

  /**
   * `--open`: a local process that read the instance file, never a web page (a page sends Origin, and cannot know the
   * secret). The arguments go to the controller exactly as Electron's second-instance hands them over.
   */
  async function openLink(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = Buffer.from(String(req.headers[OPEN_SECRET_HEADER] ?? ''));
    const secret = Buffer.from(opts.openSecret);
    const ok = req.headers.origin === undefined && req.headers['sec-fetch-site'] === undefined
      && given.length === secret.length && timingSafeEqual(given, secret);
    if (!ok) return fail(req, res, FORBIDDEN(req), NOT_OK);
    const body = await readJson(req);
    const argv = body.ok ? (body.value as { argv?: unknown } | null)?.argv : undefined;
    if (!Array.isArray(argv) || argv.length > 64 || !argv.every((a) => typeof a === 'string')) {
      return fail(req, res, new CpxError('BAD_REQUEST', { detail: 'argv: a list of strings expected' }), NOT_OK);
    }
    if (!host) return fail(req, res, new CpxError('SERVICE_UNREACHABLE', { detail: 'bridge starting' }), NOT_OK);
    const state = host.openLink(argv as string[]);
    if (!state) return fail(req, res, new CpxError('LINK_INVALID', { detail: 'no cpxlink: link among the arguments' }), NOT_OK);
    reply(res, 200, state.status === 'failed' && state.error ? { ok: false, error: state.error } : { ok: true, value: state });
  }

  // ---- static files ---------------------------------------------------------------------------------------

  async function servePage(req: IncomingMessage, res: ServerResponse, file: 'index.html' | 'pin.html', which: 'main' | 'pin'): Promise<void> {
    let html: string;
    try {
      html = await readFile(path.join(distDir, file), 'utf8');
    } catch {
      return fail(req, res, new CpxError('INTERNAL_ERROR', { detail: `${file} not built: run npm run build:renderer` }));
    }
    // A classic script runs before the page's module scripts: window.cpx / window.cpxPin exist when the UI starts.
    // The event names come from the contract itself (protocol/ipc.ts), not from a copy in the shim.
    const inject = `<meta name="cpx-bridge-token" content="${token}" />\n    <meta name="cpx-bridge-events" content="${APP_EVENTS.join(' ')}" />\n`
      + `    <script src="./__bridge/${which}-shim.js"></script>\n  </head>`;
    res.writeHead(200, { 'Content-Type': TYPES['.html'] });
    res.end(html.replace('</head>', inject));
  }

  async function serveAsset(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const file = path.resolve(distDir, '.' + decodeURIComponent(pathname));
    if (!file.startsWith(path.join(distDir, 'assets') + path.sep)) return fail(req, res, new CpxError('NOT_FOUND'));
    // Vite names assets by their content: one never changes, so each window (a PIN dialog per card operation) loads
    // them from the cache instead of the bridge.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    return serveFile(req, res, file);
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return fail(req, res, new CpxError('NOT_FOUND'));
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': data.length });
    res.end(data);
  }

  return {
    url: `${mainOrigin}/`,
    pinOrigin,
    pins,
    openInBrowser(url: string) {
      if (newestMain) sendEvent(newestMain, 'open:url', { url });
    },
    attach(h: BridgeHost) {
      unsubscribe?.();
      host = h;
      unsubscribe = h.subscribe((event, payload) => { for (const c of mainClients) sendEvent(c, event, payload); });
    },
    async close() {
      unsubscribe?.();
      pins.shutdown();
      for (const c of mainClients) c.end();
      await Promise.all([stop(mainServer), stop(pinServer)]);
    },
  };
}

function sendEvent(res: ServerResponse, event: string, payload: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

/** IPC-like calls answer a Result (`ok: false` beside the error), as the shims expect. */
const NOT_OK = { ok: false } as const;

/** A request without our page's Origin or the run's token: whoever sent it is not allowed here. */
const FORBIDDEN = (req: IncomingMessage) => new CpxError('ORIGIN_NOT_ALLOWED', { detail: String(req.headers.origin ?? req.headers.host ?? '') });

/** Every error the bridge answers, as the account service answers its own (protocol/http-error.ts). */
function fail(req: IncomingMessage, res: ServerResponse, err: unknown, extra: Record<string, unknown> = {}): void {
  const answer = httpErrorAnswer(toCpxError(err), langOfAcceptLanguage(req.headers['accept-language']));
  reply(res, answer.status, { ...extra, ...answer.body }, answer.headers);
}

/** Reads a small JSON body. With `secret`, the raw bytes are zeroed once parsed (they held a PIN). */
async function readJson(req: IncomingMessage, secret = false): Promise<{ ok: true; value: unknown } | { ok: false; why: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) { for (const c of chunks) c.fill(0); b.fill(0); return { ok: false, why: 'body too large' }; }
    chunks.push(b);
  }
  const raw = Buffer.concat(chunks);
  if (secret) for (const c of chunks) c.fill(0);
  try {
    return { ok: true, value: raw.length ? JSON.parse(raw.toString('utf8')) : null };
  } catch {
    return { ok: false, why: 'invalid JSON' };
  } finally {
    if (secret) raw.fill(0);
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
