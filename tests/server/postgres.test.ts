// The account service and its browser login on a real PostgreSQL (CPX_TEST_DATABASE_URL, or a private throwaway server).
import { browserLoginSuite } from './browser-suite.ts';
import { serviceSuite } from './suite.ts';

serviceSuite('postgres');
browserLoginSuite('postgres');
