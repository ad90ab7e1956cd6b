// The process: parse config once, then either serve, or — with several workers (WEB_CONCURRENCY, the
// default without the sandbox) — fork one worker per core that each serve on the same port, and
// restart any that dies. Each worker composes the app (server/compose.ts), listens on HOST:PORT and
// shuts down cleanly on SIGINT/SIGTERM. Startup fails loudly: a port that cannot be bound exits with
// EXIT_CANNOT_BIND, and the supervisor stops everything when a worker reports it.
import cluster from 'node:cluster';
import http from 'node:http';
import { createLogger, type Logger } from '../common/logger';
import { compose } from './compose';
import { ConfigError, parseConfig, type Config } from './config';

/** A worker that cannot bind its port exits with this; restarting it would only fail again. */
export const EXIT_CANNOT_BIND = 3;

async function serve(config: Config, logger: Logger): Promise<void> {
  const composed = await compose(config, logger);
  for (const problem of composed.sandbox?.loadErrors ?? []) logger.warn({ problem }, 'sandbox patient bundle not loaded');

  // Idle keep-alive longer than clients' and load balancers' own (60 s is common), so the server is
  // never the side that closes a socket a request is already on its way down (ECONNRESET).
  const server = http.createServer({ keepAliveTimeout: 65_000 }, composed.app);
  server.once('error', (err: NodeJS.ErrnoException) => {
    logger.fatal({ code: err.code, port: config.port, host: config.host }, `cannot listen on ${config.host}:${config.port}`);
    process.exit(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? EXIT_CANNOT_BIND : 1);
  });
  server.listen(config.port, config.host, () => {
    logger.info({ port: config.port, host: config.host, publicBaseUrl: config.publicBaseUrl, feedbackStore: config.databaseUrl ? 'postgresql' : 'sqlite', sandbox: config.sandbox }, 'listening');
    if (composed.sandbox) logger.info(`sandbox EHR: ${config.publicBaseUrl}/ehr · FHIR: ${composed.sandbox.fhirBase} · app launch URL: ${config.publicBaseUrl}/launch.html`);
  });

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      composed.close().then(
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
  const { createFeedbackStore } = await import('../cds-hooks/open-feedback-store');
  await (await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath })).close();
  let stopping = false;
  let quickDeaths = 0;
  const stop = (signal: NodeJS.Signals, code: number) => {
    stopping = true;
    exitCode = code;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(code);
    for (const w of workers) w?.process.kill(signal);
    setTimeout(() => process.exit(1), 12_000).unref();
  };
  let exitCode = 0;
  const fork = () => {
    const started = Date.now();
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
        return;
      }
      if (code === EXIT_CANNOT_BIND) {
        logger.fatal({ port: config.port }, 'a worker cannot bind the port; stopping');
        return stop('SIGTERM', 1);
      }
      // A worker that cannot even start (bad database URL) must not be forked forever.
      quickDeaths = Date.now() - started < 5000 ? quickDeaths + 1 : 0;
      logger.error({ code, signal, quickDeaths }, 'worker exited');
      if (quickDeaths >= 5) {
        logger.fatal('workers keep failing at start; stopping');
        return stop('SIGTERM', 1);
      }
      fork();
    });
  };
  logger.info({ workers: config.workers }, 'starting workers');
  for (let i = 0; i < config.workers; i++) fork();
  process.on('SIGINT', () => stop('SIGTERM', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
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
