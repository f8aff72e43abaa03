// The HTTP face of the account service (Fastify): the JSON API (schemas on every body, per-address rate limits on
// the endpoints that take a token, a ticket, a transaction or a password, closed CORS, security headers) and the
// web pages (web/routes.ts).
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Region } from '../protocol/account.ts';
import { TRANSACTION_ID_SHAPE } from '../protocol/deep-link.ts';
import { CpxError } from '../protocol/errors.ts';
import { sendError } from './http-errors.ts';
import { securityHeaders } from './security-headers.ts';
import type { AccountService, TokenProof } from './service.ts';
import { webPages } from './web/routes.ts';

/** Requests per address per minute. */
export interface RateLimits {
  challenge: number; link: number; cardLogin: number; independentDoctor: number;
  /** The app's side of a browser login: a transaction's challenge and its completion. */
  transaction: number;
  /** The app's card session opening the browser. */
  handoff: number;
  /** The pages: the password form (like link: a password is guessable) and the card button. */
  passwordForm: number; cardButton: number;
  /** One-time URLs redeemed by a browser (completion, hand-off). */
  browserCode: number;
}
export const DEFAULT_RATE_LIMITS: RateLimits = {
  challenge: 300, link: 30, cardLogin: 120, independentDoctor: 20, transaction: 120, handoff: 30, passwordForm: 30, cardButton: 60, browserCode: 60,
};

export interface AppOptions {
  /** Resolved per request: the service is created once the listening port (hence the origin) is known. */
  service: () => AccountService;
  regions: Region[];
  dbKind: string;
  https?: { cert: string | Buffer; key: string | Buffer } | null;
  corsOrigin?: string | null;
  rateLimits?: Partial<RateLimits>;
  /** Fastify request logging (pino) to stderr. */
  logRequests?: boolean;
  /** The origin browsers see is https: `__Host-` cookies with Secure (web/cookies.ts). */
  secureCookies?: boolean;
}

const BODY_LIMIT = 32 * 1024; // a token is at most 10,000 characters; profiles and credentials are small

const token = { anyOf: [{ type: 'object' }, { type: 'string' }] };
const nonce = { type: 'string', minLength: 1, maxLength: 200 };
const cardNumber = { type: 'string', pattern: '^[0-9]{10}$' };
/** A link ticket or a transaction id: 32 random bytes, base64url. */
const opaque = { type: 'string', pattern: TRANSACTION_ID_SHAPE.source };
// Every token comes with the nonce it answers; "Première connexion" takes a token and its nonce, or a ticket, never both.
const cardProof = { oneOf: [
  { required: ['token', 'nonce'], not: { required: ['ticket'] } },
  { required: ['ticket'], properties: { token: false, nonce: false } },
] };
const schemas = {
  link: {
    type: 'object', required: ['username', 'password'], ...cardProof,
    properties: { token, nonce, ticket: opaque, cardNumber, username: { type: 'string', minLength: 1, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
  },
  independentDoctor: {
    type: 'object', required: ['profile'], ...cardProof,
    properties: { token, nonce, ticket: opaque, cardNumber, profile: { type: 'object', maxProperties: 32 } },
  },
  cardLogin: { type: 'object', required: ['token', 'nonce'], properties: { token, nonce, cardNumber } },
  transactionChallenge: { type: 'object', required: ['transaction'], properties: { transaction: opaque } },
  transactionComplete: { type: 'object', required: ['transaction', 'token', 'nonce'], properties: { transaction: opaque, token, nonce, cardNumber } },
};

function bearer(req: FastifyRequest): string {
  const m = /^Bearer\s+([A-Za-z0-9_-]{20,200})\s*$/.exec(req.headers.authorization ?? '');
  if (!m) throw new CpxError('SESSION_INVALID');
  return m[1]!;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    https: opts.https ?? null,
    bodyLimit: BODY_LIMIT,
    logger: opts.logRequests ? { level: 'info' } : false,
    // The client address is the socket's: behind a reverse proxy, configure the proxy to rate-limit as well.
    trustProxy: false,
    return503OnClosing: true,
    keepAliveTimeout: 10_000,
  }) as unknown as FastifyInstance;

  securityHeaders(app, { https: !!opts.https, corsOrigin: opts.corsOrigin ?? null });
  app.setErrorHandler((err, req, reply) => sendError(err as Error, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new CpxError('NOT_FOUND'), req, reply));

  // `{}` or nothing are both an empty challenge request. A body that cannot spell a prototype key (no
  // `__proto__`, no `constructor`, no \u escape: every token, whose fields are base64) is plain JSON; anything
  // else goes through Fastify's prototype-poisoning-safe parser, which scans the text with two regexes.
  const safeJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    if (text.includes('\\u') || text.includes('__proto__') || text.includes('constructor')) return safeJson(req, text, done);
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch (err) { return done(err as Error, undefined); }
    done(null, parsed);
  });

  const limits = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits };
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new CpxError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)) }),
  });
  const limit = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });

  const { service } = opts;
  // Readiness for scripts and load balancers: answers only once the database does.
  app.get('/api/health', async () => { await service().ping(); return { status: 'ok', db: opts.dbKind }; });
  app.get('/api/regions', async () => opts.regions);
  app.post('/api/auth/challenge', { config: limit(limits.challenge) }, async (req) => await service().challenge(req.ip));
  app.post('/api/cards/link', { config: limit(limits.link), schema: { body: schemas.link } },
    async (req) => await service().link(req.body as Parameters<AccountService['link']>[0], req.ip));
  app.post('/api/accounts/independent-doctor', { config: limit(limits.independentDoctor), schema: { body: schemas.independentDoctor } },
    async (req) => await service().createIndependentDoctor(req.body as Parameters<AccountService['createIndependentDoctor']>[0], req.ip));
  app.post('/api/auth/card-login', { config: limit(limits.cardLogin), schema: { body: schemas.cardLogin } },
    async (req) => await service().cardLogin(req.body as Parameters<AccountService['cardLogin']>[0], req.ip));
  app.post('/api/auth/card', { config: limit(limits.cardLogin), schema: { body: schemas.cardLogin } },
    async (req) => await service().cardAuth(req.body as TokenProof, req.ip));
  app.post('/api/transactions/challenge', { config: limit(limits.transaction), schema: { body: schemas.transactionChallenge } },
    async (req) => await service().transactionChallenge((req.body as { transaction: string }).transaction, req.ip));
  app.post('/api/transactions/complete', { config: limit(limits.transaction), schema: { body: schemas.transactionComplete } },
    async (req) => await service().completeTransaction(req.body as Parameters<AccountService['completeTransaction']>[0], req.ip));
  app.post('/api/auth/browser-handoff', { config: limit(limits.handoff) }, async (req) => await service().browserHandoff(bearer(req), req.ip));
  app.get('/api/me', async (req) => await service().accountPage(bearer(req)));
  await app.register(webPages, { service, regions: opts.regions, secureCookies: !!opts.secureCookies, limits, limit });
  return app;
}
