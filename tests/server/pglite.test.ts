// The account service on PGlite, the embedded default (private data directory).
import { serviceSuite } from './suite.ts';

serviceSuite('pglite');
