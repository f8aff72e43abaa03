// What `GET /api/trust` publishes: the authorities the service's validator trusts (subject, key identifier, SHA-256
// of the certificate) and whether they are test ones — public facts, so the app can tell a card it will refuse
// before asking for its PIN. Subjects are written by the same identity code that writes a card certificate's issuer.
import { createHash } from 'node:crypto';
import type { ServiceTrust } from '../protocol/account.ts';
import { decodeCertificate } from '../protocol/identity.ts';
import type { TrustSettings } from './trust.ts';

export function publishedTrust(trust: TrustSettings): ServiceTrust {
  return {
    authorities: trust.anchors.map((pem) => {
      const der = Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64');
      const facts = decodeCertificate(der);
      return { subject: facts.subject, subjectKeyId: facts.subjectKeyId, sha256: createHash('sha256').update(der).digest('hex') };
    }),
    testCards: trust.testAnchors,
  };
}
