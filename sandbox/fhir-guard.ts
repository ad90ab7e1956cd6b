// Bearer-token guard in front of the sandbox FHIR server (mounted before the store's router at /fhir).
// It only establishes who is asking: no token is anonymous (read-only, so curl and the EHR page work);
// a presented token must be one this server issued and unexpired (else 401 with
// WWW-Authenticate invalid_token, which is how the app learns its session ended). What the access may
// read, search and write is decided by the store, per interaction and per resource (access.ts).
import type { NextFunction, Request, Response } from 'express';
import { unauthorized } from '../common/outcomes';
import { ANONYMOUS, type Access } from './access';
import type { AccessClaims } from './auth';

export interface GuardOptions {
  verify: (token: string) => Promise<AccessClaims | undefined>;
  requireAuth?: boolean;
}

function refuse(res: Response, text: string, challenge: string): void {
  res.set('WWW-Authenticate', challenge).status(401).type('application/fhir+json').send(JSON.stringify(unauthorized(text)));
}

export function fhirGuard(opts: GuardOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer');
    res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    if (req.path === '/metadata' || req.path.startsWith('/.well-known')) return next();
    const header = req.get('authorization');
    if (!header) {
      if (opts.requireAuth) return refuse(res, 'This FHIR server needs a bearer token from the sandbox authorization server.', 'Bearer realm="sandbox"');
      res.locals.access = ANONYMOUS;
      return next();
    }
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const claims = token ? await opts.verify(token) : undefined;
    if (!claims) {
      return refuse(
        res,
        'The access token is invalid or has expired. Launch the app again.',
        'Bearer realm="sandbox", error="invalid_token", error_description="The access token is invalid or expired"',
      );
    }
    const access: Access = { kind: 'token', scope: claims.scope, patient: claims.patient, clientId: claims.client_id };
    res.locals.access = access;
    next();
  };
}
