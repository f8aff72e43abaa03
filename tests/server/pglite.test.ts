// The account service and its browser login on PGlite, the embedded default (private data directory).
import { browserLoginSuite } from './browser-suite.ts';
import { serviceSuite } from './suite.ts';

serviceSuite('pglite');
browserLoginSuite('pglite');
