// The account service's request bodies as JSON schemas. Fastify checks them before any handler runs, so a refused
// body costs no database statement and leaves no audit line. Every field is bounded and has a pattern: nothing a
// client types reaches the database, the validator or a log line without passing one. Unknown fields are dropped
// (Fastify's Ajv runs with removeAdditional), so handlers see only what is declared here.
import type { FastifyInstance } from 'fastify';
import { TRANSACTION_ID_SHAPE } from '../protocol/deep-link.ts';
import { DOCTOR_PROFILE_FIELDS, DOCTOR_PROFILE_MAX_LENGTH } from '../protocol/doctor-profile.ts';
import { NONCE_MAX_LENGTH, NONCE_MIN_LENGTH, NONCE_SHAPE } from '../protocol/origin.ts';

/**
 * Text a person types: no control character (C0, DEL, C1) and no lone UTF-16 surrogate. PostgreSQL refuses a NUL
 * in text (error 22021, which was a 500 before any authentication) and would store the others mangled or invisible.
 */
export const TYPED_TEXT = '^[^\\p{Cc}\\p{Cs}]*$';

const typed = (minLength: number, maxLength: number, example: string) =>
  ({ type: 'string', minLength, maxLength, pattern: TYPED_TEXT, examples: [example] });

/** One fragment per field; `examples` give a well-formed value (the fuzz test starts from them). */
export const FIELDS = {
  /**
   * The Web eID token object or its JSON text. What is inside is the validator's first check, with its own codes
   * (TOKEN_SIZE, TOKEN_MALFORMED…); it never reaches the database unvalidated. Bounded here by the body limit.
   */
  token: { anyOf: [{ type: 'object', maxProperties: 32 }, { type: 'string', minLength: 1 }] },
  /** The challenge, as the service issued it (protocol/origin.ts checkNonce's rule: 44–128 base64 characters). */
  nonce: { type: 'string', minLength: NONCE_MIN_LENGTH, maxLength: NONCE_MAX_LENGTH, pattern: NONCE_SHAPE.source,
    examples: ['q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80='] },
  /** What the client read from the token label: informative, 10 digits. */
  cardNumber: { type: 'string', pattern: '^[0-9]{10}$', examples: ['2801000040'] },
  /** A link ticket ("Première connexion" without a second PIN): 32 random bytes, base64url. */
  ticket: { type: 'string', pattern: TRANSACTION_ID_SHAPE.source, examples: ['A'.repeat(43)] },
  /** A browser login transaction's id, the same shape. */
  transaction: { type: 'string', pattern: TRANSACTION_ID_SHAPE.source, examples: ['B'.repeat(43)] },
  username: typed(1, 200, 'demo.etab'),
  password: typed(1, 1024, 'Demo-CPx-2026!'),
  /**
   * "Espace médecin libéral" form. Fields may be empty (optional ones) and are bounded at 5 × the form's own limit:
   * up to that, protocol/doctor-profile.ts answers PROFILE_INVALID field by field (after trimming), which says more.
   */
  profile: {
    type: 'object', additionalProperties: false,
    properties: Object.fromEntries(DOCTOR_PROFILE_FIELDS.map((f) => [f, typed(0, 5 * DOCTOR_PROFILE_MAX_LENGTH, '')])),
    examples: [{ specialty: 'Qualifié en médecine générale', email: 'lucie.bernard@example.org', phone: '05 56 00 00 00',
      mobile: '06 12 34 56 78', address: '1 rue de la Santé', postalCode: '33000', city: 'Bordeaux' }],
  },
} as const;

const body = (required: readonly (keyof typeof FIELDS)[], fields: readonly (keyof typeof FIELDS)[]) =>
  ({ type: 'object', required, additionalProperties: false, properties: Object.fromEntries(fields.map((f) => [f, FIELDS[f]])) });

/** Every token comes with the nonce it answers; "Première connexion" takes a token and its nonce, or a ticket, never both. */
const tokenOrTicket = { oneOf: [
  { required: ['token', 'nonce'], not: { required: ['ticket'] } },
  { required: ['ticket'], properties: { token: false, nonce: false } },
] };

export const BODIES = {
  /** `{}` (an empty body is parsed as `{}` too). */
  challenge: body([], []),
  link: { ...body(['username', 'password'], ['token', 'nonce', 'ticket', 'cardNumber', 'username', 'password']), ...tokenOrTicket },
  independentDoctor: { ...body(['profile'], ['token', 'nonce', 'ticket', 'cardNumber', 'profile']), ...tokenOrTicket },
  cardLogin: body(['token', 'nonce'], ['token', 'nonce', 'cardNumber']),
  cardAuth: body(['token', 'nonce'], ['token', 'nonce', 'cardNumber']),
  transactionChallenge: body(['transaction'], ['transaction']),
  transactionComplete: body(['transaction', 'token', 'nonce'], ['transaction', 'token', 'nonce', 'cardNumber']),
};

export interface BodyRoute { method: string; url: string; body: Record<string, unknown> }

const tracked = new WeakMap<FastifyInstance, BodyRoute[]>();

/** Records every route declared on `app` from now on that has a body schema (plugins' routes included). */
export function trackBodyRoutes(app: FastifyInstance): void {
  const routes: BodyRoute[] = [];
  tracked.set(app, routes);
  app.addHook('onRoute', (r) => {
    const schema = r.schema?.body as Record<string, unknown> | undefined;
    if (schema) for (const method of [r.method].flat()) routes.push({ method, url: r.url, body: schema });
  });
}

/** The routes that take a body, with their schema: what the fuzz test attacks, field by field. */
export function bodyRoutes(app: FastifyInstance): readonly BodyRoute[] {
  return tracked.get(app) ?? [];
}
