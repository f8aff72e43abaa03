// The account service on a real PostgreSQL (CPX_TEST_DATABASE_URL, or a private throwaway server).
import { serviceSuite } from './suite.ts';

serviceSuite('postgres');
