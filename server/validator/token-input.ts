// The first checks of the Web eID order: size, well-formed JSON, the fields a validator needs, the format.
import { because, CpxError } from '../../protocol/errors.ts';
import { decodeBase64 } from './base64.ts';
import { TOKEN_MAX_LENGTH, TOKEN_MIN_LENGTH, WEB_EID_FORMAT_PREFIX } from '../../protocol/webeid.ts';

export interface TokenFields {
  unverifiedCertificate: string;
  algorithm: string;
  signature: string;
  /** The signature decoded (canonical base64 checked). */
  signatureBytes: Buffer;
  format: string;
}

/** Accepts the token as received: its JSON text, or the object a JSON body parser made of it. */
export function readToken(input: unknown): TokenFields {
  let parsed: unknown;
  if (typeof input === 'string') {
    checkSize(input.length);
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new CpxError('TOKEN_MALFORMED', { detail: 'JSON' });
    }
  } else if (typeof input === 'object' && input !== null) {
    let length = flatJsonLength(input);
    if (length === null) {
      try {
        length = JSON.stringify(input)?.length ?? 0;
      } catch {
        throw new CpxError('TOKEN_MALFORMED', { detail: 'JSON' });
      }
    }
    checkSize(length);
    parsed = input;
  } else {
    throw new CpxError('TOKEN_MALFORMED', { detail: 'JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CpxError('TOKEN_MALFORMED', because('TOKEN_NOT_OBJECT'));
  }
  const t = parsed as Record<string, unknown>;
  const format = field(t, 'format');
  // `web-eid:1` or `web-eid:1.x`, not `web-eid:10`.
  if (!format.startsWith(WEB_EID_FORMAT_PREFIX) || (format.length > WEB_EID_FORMAT_PREFIX.length && format[WEB_EID_FORMAT_PREFIX.length] !== '.')) {
    throw new CpxError('TOKEN_FORMAT_UNSUPPORTED', { detail: format.slice(0, 40) });
  }
  const signature = field(t, 'signature');
  const signatureBytes = decodeBase64(signature);
  if (!signatureBytes) throw new CpxError('TOKEN_MALFORMED', { detail: 'signature (base64)' });
  const fields: TokenFields = {
    format,
    unverifiedCertificate: field(t, 'unverifiedCertificate'),
    algorithm: field(t, 'algorithm'),
    signature,
    signatureBytes,
  };
  return fields;
}

// Characters JSON.stringify would escape (or, for surrogates, might): strings holding none keep their length.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(o).length without building the text (it costs about as much as an RSA verification) for the usual
 * token: a plain object of strings, numbers, booleans and nulls with nothing to escape. Null when unsure.
 */
export function flatJsonLength(o: object): number | null {
  if (Array.isArray(o) || typeof (o as { toJSON?: unknown }).toJSON === 'function') return null;
  const keys = Object.keys(o);
  if (keys.length === 0) return 2;
  let length = 1 + 2 * keys.length; // "{" and "}", n colons, n - 1 commas
  for (const key of keys) {
    if (NEEDS_ESCAPE.test(key)) return null;
    const v = (o as Record<string, unknown>)[key];
    if (typeof v === 'string') {
      if (NEEDS_ESCAPE.test(v)) return null;
      length += v.length + 2;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      length += String(v).length;
    } else if (typeof v === 'boolean' || v === null) {
      length += String(v).length;
    } else {
      return null;
    }
    length += key.length + 2;
  }
  return length;
}

function checkSize(length: number): void {
  if (length < TOKEN_MIN_LENGTH || length > TOKEN_MAX_LENGTH) throw new CpxError('TOKEN_SIZE');
}

function field(t: Record<string, unknown>, name: keyof TokenFields): string {
  const v = Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
  if (typeof v !== 'string' || v.length === 0) throw new CpxError('TOKEN_MALFORMED', because('FIELD_MISSING', { field: name }));
  return v;
}
