// The service's web pages, a stand-in for the orientation service: the login page (card button and the usual
// username + password form), "Administration › Mon compte", logout, and the browser's side of a card login
// through CPx Link (start a transaction, poll for the session, redeem the one-time URLs). Templates in views/
// (Eta, escaped by default), static files in static/. Every state change is CSRF-checked (a token from
// @fastify/csrf-protection; the card button's JSON request also needs this origin in its Origin header, and a
// foreign Origin is refused everywhere). Pages get their own CSP: scripts from this origin only, none inline.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { regionOfAccount, type AccountPage, type Region } from '../../protocol/account.ts';
import { mailtoHref, telHref } from '../../protocol/contact.ts';
import { DOCTOR_ACCOUNT_LINK } from '../../protocol/doctor-account-link.ts';
import { TRANSACTION_ID_SHAPE } from '../../protocol/deep-link.ts';
import { CpxError, errorMessage } from '../../protocol/errors.ts';
import { BROWSER_PATHS, COMPLETE_PARAM, HANDOFF_PARAM } from '../browser-paths.ts';
import { prepareError, sendError } from '../http-errors.ts';
import { newSecret } from '../secrets.ts';
import type { NewSession } from '../sessions.ts';
import type { AccountService } from '../service.ts';
import type { RateLimits } from '../app.ts';
import { browserCookies } from './cookies.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const VIEWS = join(HERE, 'views');
const STATIC = join(HERE, 'static');
const STATIC_MAX_AGE = '1h';

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface WebOptions {
  service: () => AccountService;
  regions: Region[];
  secureCookies: boolean;
  limits: RateLimits;
  limit: (max: number) => { rateLimit: { max: number; timeWindow: number } };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors of this route answer an HTML page (French), not JSON. */
    page?: boolean;
  }
}

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const passwordForm = {
  // _csrf is checked by @fastify/csrf-protection (FORM_EXPIRED when missing), not by the schema.
  type: 'object', required: ['username', 'password'],
  properties: { username: text(200), password: text(1024), _csrf: text(200) },
};

/** A one-time code from a query string; anything not shaped like one is simply unknown. */
function oneTimeCode(value: unknown): string {
  if (typeof value !== 'string' || !TRANSACTION_ID_SHAPE.test(value)) throw new CpxError('TRANSACTION_UNKNOWN');
  return value;
}

export async function webPages(app: FastifyInstance, opts: WebOptions): Promise<void> {
  const { service, limits, limit } = opts;
  const cookies = browserCookies(opts.secureCookies);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 4096 });
  await app.register(view, {
    engine: { eta: new Eta() }, root: VIEWS, layout: 'layout.eta', production: true,
    defaultContext: { paths: BROWSER_PATHS, date: (iso: string) => new Date(iso).toLocaleDateString('fr-FR', { dateStyle: 'long' }) },
  });
  // Cached for a while instead of asked again with each page (a new tab's Mon compte waits for its stylesheet and
  // script otherwise); a new version is picked up within the hour.
  await app.register(fastifyStatic, { root: STATIC, prefix: '/static/', index: false, list: false, decorateReply: false, maxAge: STATIC_MAX_AGE });
  await app.register(csrf, {
    cookieKey: cookies.csrf.name, cookieOpts: cookies.csrf.options,
    getToken: (req) => (req.body as { _csrf?: string } | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });

  const render = (reply: FastifyReply, template: string, data: Record<string, unknown>) =>
    reply.view(template, { serviceName: service().name, ...data });

  // `same-origin` rather than the API's `no-referrer`: under no-referrer, browsers send `Origin: null` with a form's
  // POST, which the origin check must refuse. Other sites still learn nothing (no Referer leaves this origin).
  app.addHook('onRequest', async (_req, reply) => {
    void reply.header('content-security-policy', PAGE_CSP).header('referrer-policy', 'same-origin');
  });
  app.setErrorHandler(async (err, req, reply) => {
    if (!req.routeOptions.config.page) return sendError(err as Error, req, reply);
    const e = prepareError(err as Error, req, reply);
    return render(reply, 'message.eta', { title: 'Connexion impossible', message: e.toBody('fr').message, code: e.code });
  });

  /** A foreign Origin is refused on every state change; the card button's JSON request must carry ours. */
  const sameOrigin = (required: boolean) => async (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin === undefined ? required : origin !== service().origin) throw new CpxError('FORM_EXPIRED');
  };
  const pageState = { preHandler: [sameOrigin(false), app.csrfProtection] };

  const sessionOf = async (req: FastifyRequest): Promise<AccountPage | null> => {
    const value = req.cookies[cookies.session.name];
    return value ? await service().browser.account(value) : null;
  };
  const withSession = (reply: FastifyReply, session: NewSession) => reply
    .setCookie(cookies.session.name, session.value, cookies.session.options)
    .clearCookie(cookies.transaction.name, cookies.transaction.options);
  /** A form's POST: then to Mon compte (303), so that a reload never sends the form again. */
  const loggedIn = (reply: FastifyReply, session: NewSession) => withSession(reply, session).redirect(BROWSER_PATHS.account, 303);
  const accountPage = (reply: FastifyReply, account: AccountPage, address?: string) => {
    const doctorLink = account.independentDoctorLink
      ? { ...DOCTOR_ACCOUNT_LINK.fr, support: regionOfAccount(opts.regions, account)?.support ?? null }
      : null;
    return render(reply, 'compte.eta', { title: 'Mon compte', account, doctorLink, mailtoHref, telHref, csrf: reply.generateCsrf(), address });
  };
  /**
   * A one-time URL the app opened in a new tab: Mon compte answered at once, without a redirect and a second request
   * (the last step of the card login, bench/README.md); the layout's adresse.js puts Mon compte's own address in the
   * address bar, the one-time URL being spent.
   */
  const loggedInHere = async (reply: FastifyReply, session: NewSession) => {
    const account = await service().browser.account(session.value);
    if (!account) throw new CpxError('SESSION_INVALID');
    return accountPage(withSession(reply, session), account, BROWSER_PATHS.account);
  };
  const loginPage = (reply: FastifyReply, form: { error?: string; username?: string } = {}) => render(reply, 'login.eta', {
    title: 'Connexion', script: 'login.js', csrf: reply.generateCsrf(), regions: opts.regions, mailtoHref, telHref, ...form,
    expiredMessage: errorMessage('TRANSACTION_EXPIRED'), unreachableMessage: errorMessage('SERVICE_UNREACHABLE', 'fr', { detail: 'réseau' }),
  });

  app.get(BROWSER_PATHS.login, { config: { page: true } }, async (req, reply) => {
    if (await sessionOf(req)) return reply.redirect(BROWSER_PATHS.account, 303);
    return loginPage(reply);
  });

  app.post(BROWSER_PATHS.passwordLogin, { config: { page: true, ...limit(limits.passwordForm) }, schema: { body: passwordForm }, ...pageState },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      try {
        return loggedIn(reply, await service().browser.passwordLogin(username, password, req.ip));
      } catch (err) {
        if (!(err instanceof CpxError)) throw err;
        // Wrong password, lockout, inactive account: the form again, with what happened and the username kept.
        prepareError(err, req, reply);
        return loginPage(reply, { error: err.toBody('fr').message, username });
      }
    });

  app.get(BROWSER_PATHS.account, { config: { page: true } }, async (req, reply) => {
    const account = await sessionOf(req);
    if (!account) return reply.redirect(BROWSER_PATHS.login, 303);
    return accountPage(reply, account);
  });

  app.post(BROWSER_PATHS.logout, { config: { page: true }, ...pageState }, async (req, reply) => {
    const value = req.cookies[cookies.session.name];
    if (value) await service().browser.logout(value, req.ip);
    return reply.clearCookie(cookies.session.name, cookies.session.options).redirect(BROWSER_PATHS.login, 303);
  });

  // The card button: a transaction bound to this browser by its transaction cookie (kept across clicks, so that
  // every link this browser opened can finish here).
  app.post(BROWSER_PATHS.startCardLogin, { config: limit(limits.cardButton), preHandler: [sameOrigin(true), app.csrfProtection] },
    async (req, reply) => {
      const current = req.cookies[cookies.transaction.name];
      const secret = current && TRANSACTION_ID_SHAPE.test(current) ? current : newSecret().value;
      void reply.setCookie(cookies.transaction.name, secret, cookies.transaction.options);
      return await service().browser.startTransaction(secret, req.ip);
    });

  // What the page polls: whether THIS browser has a session now (never how a transaction went), and whether it
  // still holds a transaction cookie worth waiting for.
  app.get(BROWSER_PATHS.loginState, async (req) => ({
    loggedIn: !!await sessionOf(req),
    waiting: !!req.cookies[cookies.transaction.name],
  }));

  app.get(BROWSER_PATHS.complete, { config: { page: true, ...limit(limits.browserCode) } }, async (req, reply) => {
    const code = oneTimeCode((req.query as Record<string, unknown>)[COMPLETE_PARAM]);
    return loggedInHere(reply, await service().browser.redeemCompletion(code, req.cookies[cookies.transaction.name] ?? null, req.ip));
  });

  app.get(BROWSER_PATHS.handoff, { config: { page: true, ...limit(limits.browserCode) } }, async (req, reply) => {
    const code = oneTimeCode((req.query as Record<string, unknown>)[HANDOFF_PARAM]);
    return loggedInHere(reply, await service().browser.redeemHandoff(code, req.ip));
  });
}
