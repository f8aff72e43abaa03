// An error answered over HTTP, the same way by every process that answers HTTP (the account service, the
// development bridge): the HTTP status the code's spec gives, `Retry-After` when the code says when, and the body
// `{"error":{"code","message",…}}` in the language the client asked for (French unless it asks for English).
import { ERRORS, type CpxError, type ErrorBody, type Lang } from './errors.ts';

export interface HttpErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: ErrorBody & Record<string, unknown> };
}

/** `Accept-Language: en…` asks for English; anything else gets French, the default. */
export function langOfAcceptLanguage(header: string | undefined): Lang {
  return /^\s*en\b/i.test(header ?? '') ? 'en' : 'fr';
}

/** The answer for `e`; `extra` adds fields beside code and message (a form's per-field problems). */
export function httpErrorAnswer(e: CpxError, lang: Lang, extra: Record<string, unknown> = {}): HttpErrorAnswer {
  const headers: Record<string, string> = e.code === 'RATE_LIMITED' && e.params.retryAfter !== undefined
    ? { 'retry-after': String(e.params.retryAfter) } : {};
  return { status: ERRORS[e.code].http, headers, body: { error: { ...e.toBody(lang), ...extra } } };
}
