// What the audit of issue #11 flooded the service with: Web eID tokens whose certificate names a real-looking doctor
// and the test PKI's intermediate as issuer, but is signed by the attacker's own CA, for a key made to be slow (a
// 3072-bit RSA modulus with a ~3070-bit public exponent: one verification costs as much as a private operation).
// The signatures are the attacker's own (real PS256 signatures with that key): as costly to check as any.
import type { WebEidToken } from '../../protocol/card.ts';
import { WEB_EID_FORMAT } from '../../protocol/webeid.ts';
import { SUBJECTS, makeCa, makeKey, makeLeaf, signWith, signedData, x509, type TestCert } from '../validator/pki-fixture.ts';
import { testPki } from './tokens.ts';

export interface Attacker {
  /** The attacker's certificates (distinct, so no per-certificate cache helps the service). */
  certificates: TestCert[];
  /** A PS256 token from the i-th certificate over (origin, nonce); a random nonce when the attacker has none. */
  token(i: number, origin: string, nonce?: string): WebEidToken;
}

export async function attacker(opts: { certificates?: number; key?: 'huge-exponent' | 'rsa2048' } = {}): Promise<Attacker> {
  const pki = await testPki();
  const issuerName = new x509.X509Certificate(pki.intermediate.certificate).subject;
  const ca = await makeCa({ name: issuerName, key: await makeKey('rsa2048') });
  const key = await makeKey(opts.key === 'rsa2048' ? 'rsa2048' : 'rsa3072-huge-exponent');
  const certificates = await Promise.all(Array.from({ length: opts.certificates ?? 1 }, () =>
    makeLeaf(ca, { subject: SUBJECTS.medecin, key, cardType: 0 })));
  const fallbackNonce = Buffer.alloc(32, 7).toString('base64');
  return {
    certificates,
    token(i, origin, nonce = fallbackNonce) {
      const cert = certificates[i % certificates.length]!;
      return {
        unverifiedCertificate: Buffer.from(cert.der).toString('base64'), algorithm: 'PS256',
        signature: signWith(key.privateKey, 'PS256', signedData(origin, nonce, 'PS256')).toString('base64'),
        format: WEB_EID_FORMAT, appVersion: 'https://attacker.test/1.0',
      };
    },
  };
}
