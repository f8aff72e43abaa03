// One place that makes @peculiar/x509 usable in Node: its dependency injection (tsyringe) needs a Reflect
// metadata polyfill loaded BEFORE the library, and it signs with whatever WebCrypto we hand it (Node's own).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
