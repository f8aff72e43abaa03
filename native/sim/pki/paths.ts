// Where the test PKI's files are, without loading any X.509 code (the simulator's control library and the
// cards CLI only need the paths).

import { join } from 'node:path';

export interface PkiFiles {
  dir: string;
  /** PEM: test root then test intermediate. */
  trustPem: string;
  rootPem: string;
  intermediatePem: string;
  /** DER CRL of the intermediate (end-entity CRL, lists the `revoked` profile's certificates). */
  crl: string;
  /** Same CRL, PEM. */
  crlPem: string;
  /** DER CRL of the root (empty), for validators that also check the intermediate. */
  rootCrl: string;
}

export function pkiFiles(dir: string): PkiFiles {
  return {
    dir,
    trustPem: join(dir, 'trust.pem'),
    rootPem: join(dir, 'root.pem'),
    intermediatePem: join(dir, 'intermediate.pem'),
    crl: join(dir, 'crl.der'),
    crlPem: join(dir, 'crl.pem'),
    rootCrl: join(dir, 'root-crl.der'),
  };
}
