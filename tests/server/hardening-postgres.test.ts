// Issue #11's attacks on the service, on a real PostgreSQL (CPX_TEST_DATABASE_URL, or a private throwaway server).
import { hardeningSuite } from './hardening.ts';

hardeningSuite('postgres');
