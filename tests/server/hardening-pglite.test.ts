// Issue #11's attacks on the service, on PGlite.
import { hardeningSuite } from './hardening.ts';

hardeningSuite('pglite');
