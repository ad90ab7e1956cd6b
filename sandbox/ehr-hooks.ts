// The sandbox EHR's CDS Hooks calls, made as a real EHR makes them: over HTTP to this process's own
// CDS service, each with a freshly signed client JWT (the sandbox key, iss `<base>/ehr`) whose `aud` is
// the URL called, and, for order-sign, a fhirAuthorization token the sandbox issues for that patient.
//   sign     several draft orders in one order-sign request (prefetch left out: the service reads FHIR)
//   replay   a hook request the user has viewed and edited, sent again; its fhirAuthorization, if it
//            keeps one, gets a fresh token (the page only ever sees "(redacted)")
//   feedback accept or override a card (CDS Hooks 2.0 §Feedback), and read back what was stored
// The access tokens never go back to the browser.
import { randomUUID } from 'node:crypto';
import type { SmartAuth } from './auth';

/** What the CDS service may read with the token the EHR hands it. */
export const CDS_SCOPE =
  'patient/Patient.rs patient/Coverage.rs patient/Organization.rs patient/Condition.rs patient/Procedure.rs patient/ServiceRequest.rs ' +
  'patient/Observation.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs patient/DiagnosticReport.rs ' +
  'patient/ImagingStudy.rs patient/Location.rs patient/Practitioner.rs patient/QuestionnaireResponse.rs';

/** More drafts than this in one request is not an EHR's order-sign. */
export const MAX_DRAFTS = 20;
const REDACTED = '(redacted)';

export class BenchInputError extends Error {}

export interface HookCall {
  /** The request as sent, its access token shown as "(redacted)". */
  request: unknown;
  status: number;
  ms?: number;
  response?: unknown;
  error?: string;
}

interface HookDeps {
  auth: SmartAuth;
  fhirBase: string;
  cdsServiceUrl: string;
  user: string;
  isPatient: (id: string) => boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The drafts must be this patient's ServiceRequests or MedicationRequests. */
export function checkDrafts(patientId: string, orders: unknown): Json[] {
  if (!Array.isArray(orders) || orders.length === 0) throw new BenchInputError('Send { patientId, orders: [...] } with at least one draft ServiceRequest or MedicationRequest.');
  if (orders.length > MAX_DRAFTS) throw new BenchInputError(`At most ${MAX_DRAFTS} draft orders in one request.`);
  return orders.map((o, i) => {
    if (!isObject(o) || (o.resourceType !== 'ServiceRequest' && o.resourceType !== 'MedicationRequest')) {
      throw new BenchInputError(`orders[${i}] is not a ServiceRequest or MedicationRequest.`);
    }
    const subject = isObject(o.subject) ? o.subject.reference : undefined;
    if (subject !== undefined && subject !== `Patient/${patientId}`) throw new BenchInputError(`orders[${i}] is for ${String(subject)}, not Patient/${patientId}.`);
    return o;
  });
}

export function createHookCalls(deps: HookDeps) {
  async function fhirAuthorization(patientId: string) {
    const token = await deps.auth.issueToken({ clientId: 'sandbox-ehr-cds-client', scope: CDS_SCOPE, patient: patientId });
    return { access_token: token.access_token, token_type: 'Bearer', expires_in: token.expires_in, scope: token.scope, subject: 'sij-cds-service', patient: patientId };
  }

  /** POST a JSON body to a CDS Hooks endpoint with a JWT signed now for exactly that URL. */
  async function post(url: string, body: unknown): Promise<{ status: number; ms: number; response: unknown }> {
    const started = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${await deps.auth.signCdsClientJwt(url)}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep the text: the page shows it */
    }
    return { status: response.status, ms: Date.now() - started, response: parsed };
  }

  /** Sends a hook request; what the page sees has the token redacted. */
  async function call(request: Json): Promise<HookCall> {
    const auth = isObject(request.fhirAuthorization) ? { ...request.fhirAuthorization, access_token: REDACTED } : undefined;
    const shown = auth ? { ...request, fhirAuthorization: auth } : request;
    try {
      return { request: shown, ...(await post(deps.cdsServiceUrl, request)) };
    } catch (err) {
      return { request: shown, status: 0, error: `The CDS service at ${deps.cdsServiceUrl} did not answer: ${(err as Error).message}` };
    }
  }

  return {
    async sign(patientId: string, orders: unknown): Promise<HookCall> {
      if (!deps.isPatient(patientId)) throw new BenchInputError('Unknown patientId.');
      const drafts = checkDrafts(patientId, orders);
      return call({
        hook: 'order-sign',
        hookInstance: randomUUID(),
        fhirServer: deps.fhirBase,
        fhirAuthorization: await fhirAuthorization(patientId),
        context: { userId: deps.user, patientId, draftOrders: { resourceType: 'Bundle', type: 'collection', entry: drafts.map((resource) => ({ resource })) } },
      });
    },

    /** An edited request, sent again. It must still be an order-sign for a sandbox patient; the rest is the user's to change. */
    async replay(request: unknown): Promise<HookCall> {
      if (!isObject(request)) throw new BenchInputError('The request must be a JSON object (a CDS Hooks request).');
      if (request.hook !== 'order-sign') throw new BenchInputError('Only order-sign requests can be replayed here ("hook": "order-sign").');
      const context = isObject(request.context) ? request.context : undefined;
      const patientId = typeof context?.patientId === 'string' ? context.patientId : undefined;
      if (!patientId || !deps.isPatient(patientId)) throw new BenchInputError('context.patientId must name one of the sandbox patients.');
      // A token is issued only for the sandbox's own FHIR server, and only for the request's own patient.
      if (request.fhirAuthorization !== undefined && request.fhirServer !== deps.fhirBase) {
        throw new BenchInputError(`With fhirAuthorization, fhirServer must stay ${deps.fhirBase} (the sandbox issues tokens only for it). Remove fhirAuthorization to send a request that carries its own prefetch.`);
      }
      const fresh = request.fhirAuthorization !== undefined ? { ...request, fhirAuthorization: await fhirAuthorization(patientId) } : request;
      return call(fresh);
    },

    /** Forwards feedback to the service's own feedback endpoint. */
    async feedback(body: unknown): Promise<{ status: number; response: unknown }> {
      if (!isObject(body) || !Array.isArray(body.feedback)) throw new BenchInputError('Send { feedback: [{ card, outcome, … }] }.');
      const { status, response } = await post(`${deps.cdsServiceUrl}/feedback`, body);
      return { status, response };
    },
  };
}

export type HookCalls = ReturnType<typeof createHookCalls>;
