// The CDS Hooks HTTP surface (CDS Hooks 2.0 §Discovery, §Calling a CDS Service, §Feedback):
//   GET  /cds-services                 discovery
//   POST /cds-services/{id}            the service (JWT-verified unless CDS_AUTH=off)
//   POST /cds-services/{id}/feedback   feedback (JWT-verified unless CDS_AUTH=off)
// Errors are thrown as OperationOutcomeError and answered by the app's one error handler.
import express, { type NextFunction, type Request, type Response } from 'express';
import { notFound, OperationOutcomeError } from '../server/errors';
import { handleFeedback } from './feedback';
import { JwtRejected, type JwtVerifier } from './jwt';
import { handleOrderSign, orderSignService, type OrderSignDeps } from './order-sign-service';
import type { ServiceDefinition } from './types';

/** CDS Hooks requests carry prefetch bundles; 5 MB is the limit, above it 413. */
export const BODY_LIMIT = '5mb';

export const SERVICES: readonly ServiceDefinition[] = [orderSignService];

/** What the order-sign stages need, plus the JWT verifier for the HTTP surface. */
export interface CdsHooksRouterOptions extends OrderSignDeps {
  /** Absent when CDS_AUTH=off. */
  verifier?: JwtVerifier;
}

export function createCdsHooksRouter(opts: CdsHooksRouterOptions): express.Router {
  const router = express.Router();
  // Any content type is read as JSON: some clients omit it; invalid JSON is a 400 either way.
  const json = express.json({ limit: BODY_LIMIT, type: () => true });
  const serviceDeps: OrderSignDeps = opts;

  const requireJwt = async (req: Request, res: Response, next: NextFunction) => {
    if (!opts.verifier) return next();
    const audience = `${opts.publicBaseUrl}${req.originalUrl.split('?')[0]}`;
    try {
      await opts.verifier.verify(req.headers.authorization, audience);
      next();
    } catch (err) {
      if (!(err instanceof JwtRejected)) return next(err);
      opts.logger.info({ reason: err.message, path: req.path }, 'CDS client JWT refused');
      res.status(401).set('WWW-Authenticate', 'Bearer').end();
    }
  };

  const knownService = (req: Request, _res: Response, next: NextFunction) => {
    const id = String(req.params.id);
    if (!SERVICES.some((s) => s.id === id)) return next(new OperationOutcomeError(notFound(`No CDS service with id ${id}`)));
    next();
  };

  router.get('/cds-services', (_req, res) => {
    res.json({ services: SERVICES });
  });
  router.post('/cds-services/:id', requireJwt, knownService, json, async (req, res) => {
    res.json(await handleOrderSign(req.body, serviceDeps));
  });
  router.post('/cds-services/:id/feedback', requireJwt, knownService, json, async (req, res) => {
    await handleFeedback(String(req.params.id), req.body, opts.store, opts.now);
    res.status(200).json({});
  });
  return router;
}
