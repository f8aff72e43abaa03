// The first checks of the Web eID order: size, well-formed JSON, the fields a validator needs, the format.
import { CpxError } from '../../protocol/errors.ts';
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
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch {
      throw new CpxError('TOKEN_MALFORMED', { detail: 'JSON' });
    }
    checkSize(text?.length ?? 0);
    parsed = input;
  } else {
    throw new CpxError('TOKEN_MALFORMED', { detail: 'JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CpxError('TOKEN_MALFORMED', { detail: 'objet JSON attendu' });
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

function checkSize(length: number): void {
  if (length < TOKEN_MIN_LENGTH || length > TOKEN_MAX_LENGTH) throw new CpxError('TOKEN_SIZE');
}

function field(t: Record<string, unknown>, name: keyof TokenFields): string {
  const v = Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
  if (typeof v !== 'string' || v.length === 0) throw new CpxError('TOKEN_MALFORMED', { detail: `${name} manquant` });
  return v;
}
