// `npm run server` options: parsed into a ServerConfig (kept apart from main.ts so tests can call it).
import { DEFAULT_SERVICE_NAME } from './service.ts';
import type { ServerConfig } from './start.ts';

export const USAGE = `Usage: npm run server -- [options]
  --port N                 port (default 8443 with TLS, 8080 without; 0 = any free port)
  --host H                 address to listen on (default 127.0.0.1; plain http only on loopback)
  --origin URL             origin the tokens are signed for (default <scheme>://127.0.0.1:<port>)
  --name TEXT              the service's name, shown by the app's PIN dialog and the pages
                           (default "${DEFAULT_SERVICE_NAME}")
  --data-dir DIR           PGlite data directory (default <repo>/.cache/server-data)
  --database-url URL       PostgreSQL instead of PGlite (default: $DATABASE_URL when set)
  --pool-size N            PostgreSQL connections (default 16)
  --seed                   load the demo accounts (server/fixtures/demo-accounts.json)
  --tls-cert FILE --tls-key FILE   serve HTTPS
  --trust PEM...           trusted CA certificates (default $CPX_TEST_TRUST, else the IGC-Santé CAs)
  --crl FILE...            CRL files (default $CPX_TEST_CRL; without any, CRLs are fetched)
  --revocation hard|soft|off   when revocation data is missing or stale (default hard)
  --cors-origin URL        allow this one web origin (CORS is closed by default)
  --rate-limit-scale X     multiply the per-address rate limits (default 1)
  --max-connections N      open connections per process (default 800)
  --trust-proxy LIST       reverse proxies (addresses/CIDRs, comma-separated) whose X-Forwarded-For names the client
  --regions FILE           "Comment obtenir un compte ?" configuration (default server/config/regions.json)
  --log                    log requests (JSON lines on stderr)`;

const VARIADIC = new Set(['--trust', '--crl']);
const FLAGS = new Set(['--seed', '--log', '--help']);
const VALUED = new Set(['--port', '--host', '--origin', '--name', '--data-dir', '--database-url', '--pool-size', '--tls-cert', '--tls-key',
  '--revocation', '--cors-origin', '--rate-limit-scale', '--regions', '--max-connections', '--trust-proxy']);

/** `--trust a.pem b.pem` and `--trust a.pem --trust b.pem` both work; `--name=value` too. */
export function parseArgs(argv: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const values = out.get(arg) ?? [];
    if (FLAGS.has(arg)) { out.set(arg, ['true']); continue; }
    if (!VALUED.has(arg) && !VARIADIC.has(arg)) throw new Error(`unknown option ${arg}`);
    if (inline !== undefined) { values.push(inline); out.set(arg, values); continue; }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
    values.push(next); i++;
    while (VARIADIC.has(arg) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    out.set(arg, values);
  }
  return out;
}

export function toConfig(args: Map<string, string[]>, env: NodeJS.ProcessEnv): ServerConfig {
  const one = (k: string) => args.get(k)?.at(-1);
  const num = (k: string) => {
    const v = one(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${k}: a number is expected`);
    return n;
  };
  const tlsCert = one('--tls-cert'); const tlsKey = one('--tls-key');
  if (!!tlsCert !== !!tlsKey) throw new Error('--tls-cert and --tls-key go together');
  const revocation = one('--revocation');
  if (revocation && !['hard', 'soft', 'off'].includes(revocation)) throw new Error('--revocation: hard, soft or off');
  return {
    host: one('--host'),
    port: num('--port') ?? (tlsCert ? 8443 : 8080),
    origin: one('--origin') ?? null,
    dataDir: one('--data-dir'),
    databaseUrl: one('--database-url') ?? env.DATABASE_URL ?? null,
    poolSize: num('--pool-size'),
    seed: args.has('--seed'),
    tls: tlsCert && tlsKey ? { certFile: tlsCert, keyFile: tlsKey } : null,
    trust: args.get('--trust'),
    crl: args.get('--crl'),
    revocation: revocation as ServerConfig['revocation'],
    corsOrigin: one('--cors-origin') ?? null,
    rateLimitScale: num('--rate-limit-scale'),
    ...(num('--max-connections') ? { connections: { maxConnections: num('--max-connections')! } } : {}),
    trustProxy: one('--trust-proxy') ?? null,
    regionsFile: one('--regions'),
    logRequests: args.has('--log'),
    name: one('--name'),
  };
}
