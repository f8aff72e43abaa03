// Certificate revocation lists: decoded with a small DER walker (real IGC-Santé CRLs list tens of thousands of
// serials, which a general ASN.1 object mapper turns into as many objects), signature checked with node:crypto.
import { constants, verify, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, AuthorityKeyIdentifier, Extensions, id_ce_authorityKeyIdentifier } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { decodeName, dnString, serialHex } from '../../protocol/identity.ts';
import { pemBlocks } from './base64.ts';

export interface ParsedCrl {
  issuer: string;
  authorityKeyId: string | null;
  thisUpdate: Date;
  /** Null when the CRL names no next update. */
  nextUpdate: Date | null;
  /** Revoked serial (lowercase hex, no leading zeros) → revocation time (ms). */
  revoked: Map<string, number>;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
}

interface Tlv { tag: number; start: number; content: number; end: number }

function tlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new Error('truncated');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('high tag number');
  let len = buf[pos + 1]!;
  let content = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || content + n > limit) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[content + i]!;
    content += n;
  }
  const end = content + len;
  if (end > limit) throw new Error('truncated');
  return { tag, start: pos, content, end };
}

function expect(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new Error(`${what}: tag ${t.tag.toString(16)}`);
  return t;
}

/** UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSS[.f]Z, read digit by digit (CRLs hold one per entry). */
function time(buf: Uint8Array, t: Tlv): Date {
  let p = t.content;
  const end = t.end;
  const digits = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++, p++) {
      const d = buf[p]! - 48;
      if (p >= end || d < 0 || d > 9) throw new Error('bad time');
      v = v * 10 + d;
    }
    return v;
  };
  let year: number;
  if (t.tag === 0x17) {
    year = digits(2);
    year += year < 50 ? 2000 : 1900;
  } else if (t.tag === 0x18) {
    year = digits(4);
  } else {
    throw new Error('bad time');
  }
  const month = digits(2), day = digits(2), hour = digits(2), minute = digits(2), second = digits(2);
  if (t.tag === 0x18 && buf[p] === 0x2e) for (p++; p < end && buf[p]! >= 48 && buf[p]! <= 57; p++);
  if (p !== end - 1 || buf[p] !== 0x5a || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new Error('bad time');
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

const isTime = (t: Tlv) => t.tag === 0x17 || t.tag === 0x18;

/** Decodes a DER or PEM CRL; throws an Error on anything else. */
export function parseCrl(input: Uint8Array): ParsedCrl {
  const buf = pemOrDer(input);
  const outer = expect(tlv(buf, 0, buf.length), 0x30, 'CertificateList');
  if (outer.end !== buf.length) throw new Error('trailing data');
  const tbs = expect(tlv(buf, outer.content, outer.end), 0x30, 'TBSCertList');
  let p = tbs.content;
  let t = tlv(buf, p, tbs.end);
  if (t.tag === 0x02) {
    p = t.end;
    t = tlv(buf, p, tbs.end);
  }
  expect(t, 0x30, 'signature');
  p = t.end;
  const issuerTlv = expect(tlv(buf, p, tbs.end), 0x30, 'issuer');
  const issuer = dnString(decodeName(buf.subarray(issuerTlv.start, issuerTlv.end)));
  p = issuerTlv.end;
  t = tlv(buf, p, tbs.end);
  if (!isTime(t)) throw new Error('thisUpdate');
  const thisUpdate = time(buf, t);
  p = t.end;
  let nextUpdate: Date | null = null;
  const revoked = new Map<string, number>();
  let authorityKeyId: string | null = null;
  while (p < tbs.end) {
    t = tlv(buf, p, tbs.end);
    if (isTime(t) && nextUpdate === null && revoked.size === 0) {
      nextUpdate = time(buf, t);
    } else if (t.tag === 0x30) {
      for (let q = t.content; q < t.end;) {
        const entry = expect(tlv(buf, q, t.end), 0x30, 'revokedCertificate');
        const serial = expect(tlv(buf, entry.content, entry.end), 0x02, 'userCertificate');
        const when = tlv(buf, serial.end, entry.end);
        if (!isTime(when)) throw new Error('revocationDate');
        revoked.set(serialHex(buf.subarray(serial.content, serial.end)), time(buf, when).getTime());
        q = entry.end;
      }
    } else if (t.tag === 0xa0) {
      const exts = AsnConvert.parse(buf.subarray(t.content, t.end), Extensions);
      const aki = exts.find((e) => e.extnID === id_ce_authorityKeyIdentifier);
      const id = aki ? AsnConvert.parse(aki.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier : undefined;
      if (id) authorityKeyId = Buffer.from(id.buffer).toString('hex');
    } else {
      throw new Error(`unexpected tag ${t.tag.toString(16)}`);
    }
    p = t.end;
  }
  const algTlv = expect(tlv(buf, tbs.end, outer.end), 0x30, 'signatureAlgorithm');
  const sigTlv = expect(tlv(buf, algTlv.end, outer.end), 0x03, 'signatureValue');
  if (sigTlv.end !== outer.end || buf[sigTlv.content] !== 0) throw new Error('signatureValue');
  return {
    issuer, authorityKeyId, thisUpdate, nextUpdate, revoked,
    tbs: buf.subarray(tbs.start, tbs.end),
    signatureAlgorithm: AsnConvert.parse(buf.subarray(algTlv.start, algTlv.end), AlgorithmIdentifier),
    signature: buf.subarray(sigTlv.content + 1, sigTlv.end),
  };
}

function pemOrDer(input: Uint8Array): Uint8Array {
  if (input[0] === 0x30) return input;
  const text = new TextDecoder().decode(input);
  const [der] = pemBlocks(text, ['X509 CRL']);
  if (!der) throw new Error('not a CRL (DER or PEM)');
  return der;
}

const RSA_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.14': 'sha224', '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA_HASH: Record<string, string> = {
  '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.1': 'sha224', '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};
const DIGEST_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.4': 'sha224', '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Checks an X.509 signature (CRL here) made with RSA PKCS#1 v1.5, RSA-PSS or ECDSA. False on anything unknown. */
export function verifyX509Signature(alg: AlgorithmIdentifier, data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    const oid = alg.algorithm;
    if (RSA_HASH[oid]) return verify(RSA_HASH[oid], data, key, signature);
    if (ECDSA_HASH[oid]) return verify(ECDSA_HASH[oid], data, key, signature);
    if (oid === RSASSA_PSS && alg.parameters) {
      const params = AsnConvert.parse(alg.parameters, RsaSaPssParams);
      const hash = DIGEST_OID[params.hashAlgorithm.algorithm];
      if (!hash) return false;
      return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature);
    }
    return false;
  } catch {
    return false;
  }
}
