// The process: parse config once, then either serve, or — with several workers (WEB_CONCURRENCY, the
// default without the sandbox) — fork one worker per core that each serve on the same port, and
// restart any that dies. Each worker: load the policy library, open the feedback store, create the
// app, mount the embedded sandbox and SMART app, listen on PORT, shut down cleanly on SIGINT/SIGTERM.
import cluster from 'node:cluster';
import type { RequestHandler } from 'express';
import { determine, renderMarkdown } from '../criteria';
import { createFeedbackStore } from '../cds-hooks/feedback-store';
import type { Engine } from '../cds-hooks/types';
import { createApp } from './app';
import { ConfigError, parseConfig, type Config } from './config';
import { createLogger, type Logger } from '../common/logger';
import { loadLibraryFromDisk } from './policy-files';
import { prepareEmbedded } from '../sandbox/embed';

async function serve(config: Config, logger: Logger): Promise<void> {
  const library = loadLibraryFromDisk();
  const engine: Engine = { evaluate: (resources, options) => determine(library, resources, options), renderMarkdown };
  const feedbackStore = await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath });

  // The SMART app (/launch.html, /app/) always; the sandbox (/fhir, /auth, /ehr) unless SANDBOX=off.
  const embedded = await prepareEmbedded({ publicBaseUrl: config.publicBaseUrl, sandbox: config.sandbox, client: config.smartClient });
  for (const problem of embedded.sandbox?.loadErrors ?? []) logger.warn({ problem }, 'sandbox patient bundle not loaded');
  const extraRouters: RequestHandler[] = [...embedded.routers];

  const app = createApp(
    { ...config, trustedIssuers: [...config.trustedIssuers, ...embedded.trustedIssuers] },
    { engine, feedbackStore, logger, mount: (a) => extraRouters.forEach((r) => a.use(r)) },
  );
  const server = app.listen(config.port, () => {
    logger.info({ port: config.port, publicBaseUrl: config.publicBaseUrl, feedbackStore: config.databaseUrl ? 'postgresql' : 'sqlite' }, 'listening');
    if (embedded.sandbox) logger.info(`sandbox EHR: ${config.publicBaseUrl}/ehr · FHIR: ${embedded.sandbox.fhirBase} · app launch URL: ${config.publicBaseUrl}/launch.html`);
  });

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      feedbackStore.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Forks the workers, replaces any that exits unexpectedly, and stops them all on SIGINT/SIGTERM. */
async function supervise(config: Config, logger: Logger): Promise<void> {
  // Create the database (schema, WAL) once, before several workers open it at the same moment.
  await (await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath })).close();
  let stopping = false;
  let quickDeaths = 0;
  const fork = () => {
    const started = Date.now();
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
        return;
      }
      // A worker that cannot even start (bad database URL, port taken) must not be forked forever.
      quickDeaths = Date.now() - started < 5000 ? quickDeaths + 1 : 0;
      logger.error({ code, signal, quickDeaths }, 'worker exited');
      if (quickDeaths >= 5) {
        logger.fatal('workers keep failing at start; stopping');
        process.exit(1);
      }
      fork();
    });
  };
  logger.info({ workers: config.workers }, 'starting workers');
  for (let i = 0; i < config.workers; i++) fork();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    setTimeout(() => process.exit(1), 12_000).unref();
  };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

let config: Config;
try {
  config = parseConfig();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
const logger = createLogger({ level: config.logLevel });
if (cluster.isPrimary && config.cdsAuth === 'off') logger.warn('CDS_AUTH=off: CDS client JWTs are NOT verified. Use only for local work.');
if (cluster.isPrimary && config.workers > 1) await supervise(config, logger);
else await serve(config, logger);
