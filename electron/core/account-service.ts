// The account service as the app sees it: one method per endpoint, every request through one function that
// (1) refuses any origin that is not the configured service or on IT's allowed list, (2) refuses plain http except
// on loopback, and (3) turns answers into values or CpxErrors (server error bodies keep their code; no answer at all
// is SERVICE_UNREACHABLE).
//
// Most calls go to the configured service. A browser login goes to the service whose page asked (any allowed
// origin), and what follows from it (its first login, the completion) goes back to that same service: those
// methods take the service's base URL (`baseFor(origin)`).

import type {
  BrowserHandoff, CardAuthResult, Challenge, Region, SessionResult, TransactionChallenge, TransactionResult, ServiceTrust,
} from '../../protocol/account.ts';
import type { WebEidToken } from '../../protocol/card.ts';
import type { DoctorProfileInput } from '../../protocol/doctor-profile.ts';
import { CpxError, isErrorCode, type ErrorParams } from '../../protocol/errors.ts';
import { checkNonce, checkOrigin } from '../../protocol/origin.ts';
import type { LogPort } from './log.ts';
import type { HttpMethod, HttpPort } from './ports.ts';
import { allowedOriginsOf } from './settings.ts';
import type { SettingValues } from './settings-schema.ts';

type ServiceSettings = Pick<SettingValues, 'serviceUrl' | 'allowedOrigins'>;

export class AccountService {
  readonly #http: HttpPort;
  readonly #settings: () => ServiceSettings;
  readonly #log: LogPort;
  readonly #trust = new Map<string, ServiceTrust>();

  constructor(http: HttpPort, settings: () => ServiceSettings, log: LogPort) {
    this.#http = http;
    this.#settings = settings;
    this.#log = log;
  }

  /** The configured service's origin, checked: what the card signs for the app's own login. */
  origin(): string {
    const s = this.#settings();
    let raw: string;
    try { raw = new URL(s.serviceUrl).origin; } catch { throw new CpxError('INVALID_ORIGIN', { detail: s.serviceUrl.slice(0, 100) }); }
    const origin = checkOrigin(raw);
    assertAllowed(origin, s);
    return origin;
  }

  /** The configured service URL (it may carry a base path), without a trailing slash. */
  baseUrl(): string {
    this.origin();
    return this.#settings().serviceUrl.replace(/\/+$/, '');
  }

  /** Throws ORIGIN_NOT_ALLOWED (or INVALID_ORIGIN) unless `origin` is one IT allowed; returns it normalised. */
  allowedOrigin(origin: string): string {
    const o = checkOrigin(origin);
    assertAllowed(o, this.#settings());
    return o;
  }

  /** Where the service at `origin` (an allowed one) answers: the configured URL for the configured service. */
  baseFor(origin: string): string {
    const o = this.allowedOrigin(origin);
    let configured: string | null = null;
    try { configured = this.origin(); } catch { /* the configured service itself may be disallowed: then not it */ }
    return o === configured ? this.baseUrl() : o;
  }

  /** A challenge for the app's own login; the name the service gives itself is kept only when well-formed and its own. */
  async challenge(): Promise<Challenge> {
    const base = this.baseUrl();
    const c = await this.#call<Challenge>(base, 'POST', '/api/auth/challenge', {});
    checkNonce(c?.nonce);
    const { service, ...rest } = c;
    return service !== undefined && namesItself(service, base) ? { ...rest, service } : rest;
  }

  /** PIN first: a linked card is logged in, an unlinked one gets a ticket for "Première connexion". */
  cardAuth(token: WebEidToken, nonce: string, cardNumber: string): Promise<CardAuthResult> {
    return this.#call(this.baseUrl(), 'POST', '/api/auth/card', { token, nonce, cardNumber });
  }

  link(base: string, ticket: string, username: string, password: string): Promise<SessionResult> {
    return this.#call(base, 'POST', '/api/cards/link', { ticket, username, password });
  }

  createIndependentDoctor(base: string, ticket: string, profile: DoctorProfileInput): Promise<SessionResult> {
    return this.#call(base, 'POST', '/api/accounts/independent-doctor', { ticket, profile });
  }

  /** The challenge of a browser's login transaction, and who the service says it is. */
  async transactionChallenge(base: string, transaction: string): Promise<TransactionChallenge> {
    const c = await this.#call<TransactionChallenge>(base, 'POST', '/api/transactions/challenge', { transaction });
    checkNonce(c?.nonce);
    if (!namesItself(c?.service, base)) {
      throw new CpxError('INTERNAL_ERROR', { detail: 'transaction challenge: unexpected service' });
    }
    return c;
  }

  transactionComplete(base: string, transaction: string, token: WebEidToken, nonce: string, cardNumber: string): Promise<TransactionResult> {
    return this.#call(base, 'POST', '/api/transactions/complete', { transaction, token, nonce, cardNumber });
  }

  /** A one-time URL that opens the service in the default browser, already logged in with this session. */
  browserHandoff(base: string, session: string): Promise<BrowserHandoff> {
    return this.#call(base, 'POST', '/api/auth/browser-handoff', {}, { authorization: `Bearer ${session}` });
  }

  /**
   * The authorities the service at `base` accepts cards from (`GET /api/trust`), kept per service for the app's run:
   * they change with a new release of the service, not between two logins. Null when the service does not publish
   * them or cannot be asked now: the card is then not judged here, the service judges it as always.
   */
  async trust(base: string): Promise<ServiceTrust | null> {
    const known = this.#trust.get(base);
    if (known) return known;
    try {
      const body = await this.#call<ServiceTrust>(base, 'GET', '/api/trust');
      if (!Array.isArray(body?.authorities) || typeof body.testCards !== 'boolean') return null;
      this.#trust.set(base, body);
      return body;
    } catch (err) {
      this.#log.info('service.trust-unknown', { code: err instanceof CpxError ? err.code : 'INTERNAL_ERROR' });
      return null;
    }
  }

  async regions(): Promise<Region[]> {
    const body = await this.#call<Region[] | { regions: Region[] }>(this.baseUrl(), 'GET', '/api/regions');
    const list = Array.isArray(body) ? body : body?.regions;
    if (!Array.isArray(list)) throw new CpxError('INTERNAL_ERROR', { detail: 'regions: unexpected answer' });
    return list;
  }

  async #call<T>(base: string, method: HttpMethod, apiPath: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const url = base + apiPath;
    const host = new URL(url).host;
    this.allowedOrigin(new URL(url).origin);
    let res;
    try {
      res = await this.#http.request(method, url, body, headers);
    } catch (err) {
      if (err instanceof CpxError) throw err;
      const e = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
      const why = String(e.cause?.code ?? e.code ?? e.message ?? 'no answer');
      this.#log.warn('service.unreachable', { method, path: apiPath, host, why });
      throw new CpxError('SERVICE_UNREACHABLE', { detail: `${host}: ${why}` }, { cause: err });
    }
    this.#log.info('service.answer', { method, path: apiPath, status: res.status });
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw errorFromAnswer(res.status, res.body, host);
  }
}

function assertAllowed(origin: string, s: ServiceSettings): void {
  if (!allowedOriginsOf(s).includes(origin)) throw new CpxError('ORIGIN_NOT_ALLOWED', { detail: origin });
}

/** `{"error":{"code","message","params"?}}` keeps its code; anything else is judged by its status. */
export function errorFromAnswer(status: number, body: unknown, host: string): CpxError {
  const error = (body as { error?: { code?: unknown; params?: unknown } } | null)?.error;
  if (error && isErrorCode(error.code)) {
    const params = error.params && typeof error.params === 'object' ? error.params as ErrorParams : {};
    return new CpxError(error.code, params);
  }
  // A proxy or load balancer answering for a service that is down.
  if (status === 502 || status === 503 || status === 504) return new CpxError('SERVICE_UNREACHABLE', { detail: `${host}: HTTP ${status}` });
  return new CpxError('INTERNAL_ERROR', { detail: `${host}: HTTP ${status}` });
}

/** The service's name for itself, as the PIN dialog may show it: a short text, given by the service at `base` itself. */
function namesItself(service: unknown, base: string): service is { name: string; origin: string } {
  const sv = service as { name?: unknown; origin?: unknown } | null | undefined;
  return typeof sv?.name === 'string' && !!sv.name.trim() && sv.name.length <= 200 && sv.origin === new URL(base).origin;
}
