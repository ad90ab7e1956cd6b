// The CDS Hooks HTTP surface (CDS Hooks 2.0 §Discovery, §Calling a CDS Service, §Feedback):
//   GET  /cds-services                 discovery, listed from the service registry
//   POST /cds-services/{id}            the registered service's handler (JWT-verified unless CDS_AUTH=off)
//   POST /cds-services/{id}/feedback   feedback (JWT-verified unless CDS_AUTH=off)
// Handlers are transport-free: they take the parsed body and return [OperationOutcome, response?], as
// Medplum's FHIR router does; this file only maps that pair to HTTP. Every refusal, the JWT 401
// included, is an OperationOutcome from the one currency (common/outcomes.ts).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { getStatus, notFound, OperationOutcomeError, unauthorized } from '../common/outcomes';
import { handleFeedback } from './feedback';
import { JwtRejected, type JwtVerifier } from './jwt';
import { handleOrderSign, orderSignService, type OrderSignDeps } from './order-sign-service';
import { jsonBody } from './read-body';
import type { CdsResponse, ServiceDefinition } from './types';

/** CDS Hooks requests carry prefetch bundles; 5 MB is the limit, above it 413. */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** One entry per CDS service: what discovery lists and the handler the router dispatches to. */
export interface RegisteredService {
  definition: ServiceDefinition;
  handle(body: unknown, deps: OrderSignDeps): Promise<[OperationOutcome, CdsResponse?]>;
}

export const SERVICE_REGISTRY: readonly RegisteredService[] = [{ definition: orderSignService, handle: handleOrderSign }];
export const SERVICES: readonly ServiceDefinition[] = SERVICE_REGISTRY.map((s) => s.definition);

/** What the services need, plus the JWT verifier for the HTTP surface. */
export interface CdsHooksRouterOptions extends OrderSignDeps {
  /** Absent when CDS_AUTH=off. */
  verifier?: JwtVerifier;
}

export function createCdsHooksRouter(opts: CdsHooksRouterOptions): express.Router {
  const router = express.Router();
  const registry = new Map(SERVICE_REGISTRY.map((s) => [s.definition.id, s]));

  const requireJwt = async (req: Request, res: Response, next: NextFunction) => {
    if (!opts.verifier) return next();
    const audience = `${opts.publicBaseUrl}${req.originalUrl.split('?')[0]}`;
    try {
      await opts.verifier.verify(req.headers.authorization, audience);
      next();
    } catch (err) {
      if (!(err instanceof JwtRejected)) return next(err);
      // The reason goes to the log only: a caller probing tokens learns nothing from the answer.
      opts.logger.info({ reason: err.message, path: req.path }, 'CDS client JWT refused');
      res.set('WWW-Authenticate', 'Bearer');
      next(new OperationOutcomeError(unauthorized()));
    }
  };

  const knownService = (req: Request, res: Response, next: NextFunction) => {
    const service = registry.get(String(req.params.id));
    if (!service) return next(new OperationOutcomeError(notFound(`No CDS service with id ${String(req.params.id)}`)));
    res.locals.service = service;
    next();
  };

  // Any content type is read as JSON (some clients omit it); read-body.ts bounds size and depth.
  const json = jsonBody({ limitBytes: BODY_LIMIT_BYTES });

  const send = (res: Response, [outcome, body]: [OperationOutcome, unknown?]) => {
    const status = getStatus(outcome);
    if (status === 200) sendJsonWithoutEtag(res, body ?? {});
    else if (status < 400) res.status(status).json(body ?? {});
    else res.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
  };

  router.get('/cds-services', (_req, res) => {
    res.json({ services: SERVICES });
  });
  router.post('/cds-services/:id', requireJwt, knownService, json, async (req, res) => {
    send(res, await (res.locals.service as RegisteredService).handle(req.body, opts));
  });
  router.post('/cds-services/:id/feedback', requireJwt, knownService, json, async (req, res) => {
    send(res, await handleFeedback((res.locals.service as RegisteredService).definition.id, req.body, opts));
  });
  return router;
}

/**
 * What res.json sends for a 200, less the ETag: express hashes every response body (SHA-1) for an
 * ETag, and the answer to a POST is never cached or revalidated (RFC 9111 §4: a POST response is
 * reused only with explicit freshness, which these do not carry). Same body (JSON.stringify with
 * express's default settings), same Content-Type and Content-Length.
 */
function sendJsonWithoutEtag(res: Response, body: unknown): void {
  const json = JSON.stringify(body);
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
