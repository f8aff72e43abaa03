// Every error answer is `{"error":{"code","message",…}}` with a code from protocol/errors.ts and the HTTP
// status that code's spec gives; French unless the client asks for English (Accept-Language: en…). The answer itself
// is protocol/http-error.ts's, shared with the development bridge; here, Fastify's own errors become codes.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CpxError } from '../protocol/errors.ts';
import type { Lang } from '../protocol/errors.ts';
import { httpErrorAnswer, langOfAcceptLanguage } from '../protocol/http-error.ts';
import { ProfileInvalidError } from './service.ts';

export function requestLang(req: FastifyRequest): Lang {
  return langOfAcceptLanguage(req.headers['accept-language']);
}

/** Maps Fastify's own errors (schema, JSON, body size, rate limit) to the closed list of codes. */
function classify(err: FastifyError | CpxError | Error): CpxError {
  if (err instanceof CpxError) return err;
  const fe = err as FastifyError;
  // @fastify/csrf-protection: no CSRF secret cookie, or a token that does not match it (a stale or a foreign page).
  if (fe.code?.startsWith('FST_CSRF_')) return new CpxError('FORM_EXPIRED');
  if (fe.validation) return new CpxError('BAD_REQUEST', { detail: (fe.message || 'schéma').slice(0, 200) });
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new CpxError('BAD_REQUEST', { detail: 'corps de requête trop volumineux' });
  if (fe.code?.startsWith('FST_ERR_CTP_') || (err instanceof SyntaxError)) return new CpxError('BAD_REQUEST', { detail: 'JSON invalide' });
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new CpxError('BAD_REQUEST', { detail: fe.message.slice(0, 200) });
  // The client gets an incident reference, never the internal message (it may quote SQL or paths).
  return new CpxError('INTERNAL_ERROR', { detail: `incident ${randomUUID().slice(0, 8)}` }, { cause: err });
}

/** The error as a code of the closed list, logged when internal, with its HTTP status (and Retry-After) set on the reply. */
export function prepareError(err: FastifyError | CpxError | Error, req: FastifyRequest, reply: FastifyReply): CpxError {
  return answerError(err, req, reply).e;
}

export function sendError(err: FastifyError | CpxError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.send(answerError(err, req, reply).body);
}

function answerError(err: FastifyError | CpxError | Error, req: FastifyRequest, reply: FastifyReply) {
  const e = classify(err);
  if (e.code === 'INTERNAL_ERROR') req.log.error({ err: e.cause ?? err }, `internal error (${String(e.params.detail)})`);
  const answer = httpErrorAnswer(e, requestLang(req), e instanceof ProfileInvalidError ? { fields: e.fields } : {});
  void reply.code(answer.status).headers(answer.headers);
  return { e, body: answer.body };
}
