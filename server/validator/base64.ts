// Strict base64 and PEM for the validator: the shape is checked by a regular expression and the padding bits
// must be zero, then Node's native decoder does the work (Buffer.from alone skips garbage silently, and two texts
// decoding to the same bytes would let a mutated token pass as the original).
const SHAPE = /^[A-Za-z0-9+/]+={0,2}$/;
const VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[a.charCodeAt(i)] = i;
  return t;
})();

export function isCanonicalBase64(text: string): boolean {
  const n = text.length;
  if (n === 0 || n % 4 !== 0 || !SHAPE.test(text)) return false;
  if (text.charCodeAt(n - 2) === 61) return (VALUE[text.charCodeAt(n - 3)]! & 0x0f) === 0; // "xx=="
  if (text.charCodeAt(n - 1) === 61) return (VALUE[text.charCodeAt(n - 2)]! & 0x03) === 0; // "xxx="
  return true;
}

/** The bytes of a canonical base64 text, or null. */
export function decodeBase64(text: string): Buffer | null {
  return isCanonicalBase64(text) ? Buffer.from(text, 'base64') : null;
}

/** Every block of a PEM text with one of these labels, as DER (other blocks, and undecodable ones, ignored). */
export function pemBlocks(text: string, labels: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  const re = new RegExp(`-----BEGIN (${labels.join('|')})-----([\\s\\S]*?)-----END \\1-----`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const der = decodeBase64(m[2]!.replace(/\s+/g, ''));
    if (der && der.length) out.push(der);
  }
  return out;
}

const CERTIFICATE_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'];

/** Every certificate in a PEM text, as DER. */
export function pemCertificates(text: string): Buffer[] {
  return pemBlocks(text, CERTIFICATE_LABELS);
}
