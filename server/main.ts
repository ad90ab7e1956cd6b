// The process: parse config once, load the policy library, open the feedback store, create the app,
// listen on PORT, shut down cleanly on SIGINT/SIGTERM.
import type { RequestHandler } from 'express';
import { determine, renderMarkdown } from '../criteria';
import { createFeedbackStore } from '../cds-hooks/feedback-store';
import type { Engine } from '../cds-hooks/types';
import { createApp } from './app';
import { parseConfig } from './config';
import { createLogger } from './logger';
import { loadLibraryFromDisk } from './policy-files';
import { prepareEmbedded } from '../sandbox/embed';

const config = parseConfig();
const logger = createLogger({ level: config.logLevel });
if (config.cdsAuth === 'off') logger.warn('CDS_AUTH=off: CDS client JWTs are NOT verified. Use only for local work.');

const library = loadLibraryFromDisk();
const engine: Engine = {
  evaluate: (resources, options) => determine(library, resources, options),
  renderMarkdown,
};
const feedbackStore = await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath });

/**
 * Routers served beside the CDS Hooks service, mounted (synchronously) before the 404 and error handlers.
 * The embedded sandbox (SMART auth, EHR page, SMART app, FHIR server at config.sandboxFhirBase) is
 * created here — e.g. `const sandbox = await createSandbox({...})` — and its router pushed below.
 */
const extraRouters: RequestHandler[] = [];
// The SMART app (/launch.html, /app/) always; the sandbox (/fhir, /auth, /ehr) unless SANDBOX=off.
const embedded = await prepareEmbedded({
  publicBaseUrl: config.publicBaseUrl,
  sandbox: process.env.SANDBOX !== 'off',
  client: { clientId: process.env.SMART_CLIENT_ID, scope: process.env.SMART_SCOPE },
});
for (const problem of embedded.sandbox?.loadErrors ?? []) logger.warn({ problem }, 'sandbox patient bundle not loaded');
extraRouters.push(...embedded.routers);

const app = createApp({ ...config, trustedIssuers: [...config.trustedIssuers, ...embedded.trustedIssuers] }, { engine, feedbackStore, logger, mount: (a) => extraRouters.forEach((r) => a.use(r)) });
const server = app.listen(config.port, () => {
  logger.info({ port: config.port, publicBaseUrl: config.publicBaseUrl, feedbackStore: config.databaseUrl ? 'postgresql' : 'sqlite' }, 'listening');
  if (embedded.sandbox) logger.info(`sandbox EHR: ${config.publicBaseUrl}/ehr · FHIR: ${embedded.sandbox.fhirBase} · app launch URL: ${config.publicBaseUrl}/launch.html`);
});

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  server.close(() => {
    feedbackStore.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
