// Bearer-token guard in front of the sandbox FHIR server (mounted before the store's router at /fhir).
// Policy: anonymous requests pass unless `requireAuth` is set (the sandbox stays usable by curl, the
// seed CLI and the CDS Hooks sandbox); a presented token must be one this server issued and unexpired
// (else 401, which is how the app learns its session ended), and its scopes must allow the interaction
// on the resource type, limited to its patient for patient-level tokens (else 403).
import type { NextFunction, Request, Response } from 'express';
import type { AccessClaims } from './auth';
import { isPatientLevel, scopeAllows } from './scopes';

/** Types whose searches must name the token's patient when the token is patient-level. */
const PATIENT_COMPARTMENT = new Set([
  'AllergyIntolerance', 'CarePlan', 'Condition', 'Coverage', 'DiagnosticReport', 'DocumentReference', 'Encounter',
  'ImagingStudy', 'Immunization', 'MedicationRequest', 'MedicationStatement', 'Observation', 'Procedure',
  'Provenance', 'ServiceRequest',
]);
const PATIENT_PARAMS = ['patient', 'subject', 'beneficiary'];

export interface GuardOptions {
  verify: (token: string) => Promise<AccessClaims | undefined>;
  requireAuth?: boolean;
}

function outcome(res: Response, status: number, code: string, text: string): void {
  res
    .status(status)
    .type('application/fhir+json')
    .send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] }));
}

/** "Patient/p1", "p1" and "http://x/fhir/Patient/p1" all name patient p1. */
function namesPatient(value: string, patient: string): boolean {
  return value.split(',').every((v) => v === patient || v === `Patient/${patient}` || v.endsWith(`/Patient/${patient}`));
}

/** What the request does, in SMART v2 letters, and to which resource type. */
function classify(req: Request): { type: string; op: string; id?: string } | undefined {
  const parts = req.path.split('/').filter(Boolean);
  const [type, id] = parts;
  if (!type) return req.method === 'POST' ? { type: '*', op: 'c' } : undefined;
  if (type === 'metadata' || type.startsWith('.well-known')) return undefined;
  if (req.method === 'GET') return id && id !== '_search' ? { type, op: 'r', id } : { type, op: 's' };
  if (req.method === 'POST') return id === '_search' ? { type, op: 's' } : { type, op: 'c' };
  if (req.method === 'PUT' || req.method === 'PATCH') return { type, op: 'u', id };
  if (req.method === 'DELETE') return { type, op: 'd', id };
  return undefined;
}

export function fhirGuard(opts: GuardOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer');
    res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    const action = classify(req);
    if (!action) return next();
    const header = req.get('authorization');
    if (!header) {
      if (!opts.requireAuth) return next();
      res.set('WWW-Authenticate', 'Bearer realm="sandbox"');
      return outcome(res, 401, 'login', 'This FHIR server needs a bearer token from the sandbox authorization server.');
    }
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    const claims = token ? await opts.verify(token) : undefined;
    if (!claims) {
      res.set('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token", error_description="The access token is invalid or expired"');
      return outcome(res, 401, 'login', 'The access token is invalid or has expired. Launch the app again.');
    }
    if (action.type !== '*' && !scopeAllows(claims.scope, action.type, action.op)) {
      return outcome(res, 403, 'forbidden', `The granted scopes do not allow this request on ${action.type} (granted: ${claims.scope || 'none'}).`);
    }
    if (claims.patient && isPatientLevel(claims.scope)) {
      const patient = claims.patient;
      if (action.type === 'Patient' && action.op === 'r' && action.id !== patient) {
        return outcome(res, 403, 'forbidden', 'This token is limited to another patient.');
      }
      if (action.op === 's') {
        const query = req.query as Record<string, unknown>;
        const named = action.type === 'Patient' ? ['_id'] : PATIENT_PARAMS;
        const values = named.map((p) => query[p]).filter((v): v is string => typeof v === 'string');
        const limited = values.length > 0 && values.every((v) => namesPatient(v, patient));
        if ((action.type === 'Patient' || PATIENT_COMPARTMENT.has(action.type)) && !limited) {
          return outcome(res, 403, 'forbidden', `This token is limited to Patient/${patient}: search with patient=${patient}.`);
        }
      }
    }
    next();
  };
}
