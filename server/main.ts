// `npm run server -- [options]`: the reference account service (../shared/contracts.md). Prints exactly
// `listening on <scheme>://<host>:<port>` on stdout once it accepts requests.
import { CpxError } from '../protocol/errors.ts';
import { parseArgs, toConfig, USAGE } from './cli-options.ts';
import { DEFAULT_DATA_DIR, startServer } from './start.ts';
import type { ServerConfig } from './start.ts';

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.has('--help')) { console.log(USAGE); return; }
    config = toConfig(args, process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const server = await startServer(config);
  if (server.trust) {
    console.error(`ancres de confiance (${server.trust.source}) : ${server.trust.anchorSubjects.length} autorité(s)`
      + (server.trust.crlFiles.length ? `, CRL : ${server.trust.crlFiles.join(', ')}` : ', CRL téléchargées depuis leurs points de distribution'));
  }
  console.error(`base de données : ${server.db.kind === 'postgres' ? 'PostgreSQL' : `PGlite (${config.dataDir ?? DEFAULT_DATA_DIR})`}, origine attendue : ${server.origin}`);
  console.log(`listening on ${server.url}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`arrêt (${signal})`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started by a script (`npm run server … &`), the service is a grandchild of it: when the script stops npm,
  // npm's shell goes but the service would live on, orphaned, holding its port. Follow the parent instead.
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop('processus parent terminé'); }, 1000).unref();
}

main().catch((err) => {
  const message = err instanceof CpxError ? err.toBody('fr').message : (err as Error).message;
  console.error(`le service n'a pas pu démarrer : ${message}`);
  process.exit(1);
});
