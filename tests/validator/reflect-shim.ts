// @peculiar/x509 (through tsyringe) refuses to load without a Reflect-metadata API. The test fixtures use its
// certificate and CRL generators, so they load one first: the `reflect-metadata` package when installed (the test
// PKI in native/sim/pki uses it too, and two different polyfills in one process would not share their metadata),
// else a minimal stand-in. Production code never loads x509's top-level module (protocol/identity.ts decodes with
// @peculiar/asn1-x509 directly).
import { createRequire } from 'node:module';

type Meta = Map<unknown, unknown>;
const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  try {
    createRequire(import.meta.url)('reflect-metadata');
  } catch {
    const store = new WeakMap<object, Meta>();
    const own = (t: object, create: boolean): Meta | undefined => {
      let m = store.get(t);
      if (!m && create) store.set(t, (m = new Map()));
      return m;
    };
    R.defineMetadata = (k: unknown, v: unknown, t: object) => { own(t, true)!.set(k, v); };
    R.getOwnMetadata = (k: unknown, t: object) => own(t, false)?.get(k);
    R.getMetadata = (k: unknown, t: object) => {
      for (let o: object | null = t; o; o = Object.getPrototypeOf(o) as object | null) {
        const m = own(o, false);
        if (m?.has(k)) return m.get(k);
      }
      return undefined;
    };
    R.metadata = (k: unknown, v: unknown) => (t: object) => { own(t, true)!.set(k, v); };
  }
}
export {};
