// The express app: createApp(config, deps) builds it; main.ts listens. Here live only the
// cross-cutting concerns — CORS (with preflight) on every endpoint, helmet, request logging, /health,
// the 404 and the one error handler that turns anything thrown into an OperationOutcome.
// Other routers (the embedded sandbox, the SMART app) are added through deps.mount, so they sit before
// the 404 and error handlers.
import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { createCdsHooksRouter } from '../cds-hooks/router';
import type { FeedbackStore } from '../cds-hooks/feedback-store';
import type { FetchFn } from '../cds-hooks/fhir-fetch';
import { createJwtVerifier, type JwtVerifier } from '../cds-hooks/jwt';
import type { Engine } from '../cds-hooks/types';
import type { Config } from './config';
import { normalizeError, notFound, outcome } from '../common/outcomes';
import type { Logger } from '../common/logger';

export interface AppDeps {
  engine: Engine;
  feedbackStore: FeedbackStore;
  logger: Logger;
  /** The fetch used for the prefetch fallback (tests may wrap it). */
  fetch?: FetchFn;
  jwtVerifier?: JwtVerifier;
  now?: () => Date;
  newUuid?: () => string;
  helmet?: HelmetOptions;
  /** Mount more routers (the sandbox, the SMART app) before the 404 and error handlers. */
  mount?: (app: Express) => void;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Prefer',
  'Access-Control-Expose-Headers': 'Location, Content-Location, WWW-Authenticate',
  'Access-Control-Max-Age': '86400',
};

export function createApp(config: Config, deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(cors);
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' }, ...deps.helmet }));
  app.use(requestLog(deps.logger));

  app.get('/health', async (_req, res) => {
    const ready = await deps.feedbackStore.ping().then(() => true, () => false);
    if (ready) res.json({ status: 'ok' });
    else res.status(503).type('application/fhir+json').send(JSON.stringify(outcome('error', 'transient', 'The feedback store is not answering')));
  });
  app.use(
    createCdsHooksRouter({
      engine: deps.engine,
      store: deps.feedbackStore,
      fetch: deps.fetch ?? fetch,
      logger: deps.logger,
      publicBaseUrl: config.publicBaseUrl,
      allowlist: config.fhirServerAllowlist,
      deadlineMs: config.fhirDeadlineMs,
      limits: config.fhirLimits,
      verifier: config.cdsAuth === 'off' ? undefined : (deps.jwtVerifier ?? createJwtVerifier({ trustedIssuers: config.trustedIssuers, replay: deps.feedbackStore })),
      newUuid: deps.newUuid ?? randomUUID,
      now: deps.now ?? (() => new Date()),
    }),
  );
  deps.mount?.(app);

  app.use((req: Request, res: Response) => {
    res.status(404).type('application/fhir+json').send(JSON.stringify(notFound(`Nothing at ${req.method} ${req.path}`)));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, outcome } = normalizeError(err);
    if (status >= 500) deps.logger.error({ err }, 'request failed');
    res.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
  });
  return app;
}

/** CORS on every endpoint; a preflight is answered here and goes no further. */
function cors(req: Request, res: Response, next: NextFunction): void {
  res.set(CORS_HEADERS);
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
}

/** One line per request: method, path without query, status, time. Never headers or bodies. */
function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  };
}
