// The server half of the page that plays the EHR (/ehr): it does what an EHR does around CDS Hooks and
// SMART, with the sandbox's own credentials. "Sign" sends a real order-sign request to this process's
// CDS service with prefetch omitted, so the service fetches from the sandbox FHIR server using a
// sandbox-issued fhirAuthorization token; "launch" registers an EHR launch context (patient, appContext)
// and returns the opaque `launch` value the app's launch URL receives. The access token never goes
// back to the browser.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import type { SmartAuth } from './auth';
import type { PickablePatient } from './consent-page';
import { authErrorPage } from './consent-page';
import { pageHeaders } from '../common/pages';

export const CDS_SERVICE_ID = 'sij-medical-necessity';
export const EHR_USER = 'Practitioner/sandbox-practitioner';
/** What the CDS service may read with the token the EHR hands it. */
export const CDS_SCOPE =
  'patient/Patient.rs patient/Coverage.rs patient/Organization.rs patient/Condition.rs patient/Procedure.rs patient/ServiceRequest.rs ' +
  'patient/Observation.rs patient/MedicationRequest.rs patient/MedicationStatement.rs patient/Encounter.rs patient/DiagnosticReport.rs ' +
  'patient/ImagingStudy.rs patient/Location.rs patient/Practitioner.rs patient/QuestionnaireResponse.rs';

export interface EhrOptions {
  publicBaseUrl: string;
  fhirBase: string;
  auth: SmartAuth;
  patients: () => PickablePatient[];
  /** The order-sign service to call; default `${publicBaseUrl}/cds-services/sij-medical-necessity`. */
  cdsServiceUrl?: string;
  /** The SMART app's launch URL the "Open app" button uses; default `${publicBaseUrl}/launch.html`. */
  appLaunchUrl?: string;
  /** dist/client, where Vite put sandbox/ehr/index.html. */
  distDir: string;
}

function badRequest(res: Response, text: string): void {
  res.status(400).json({ error: 'invalid_request', error_description: text });
}

export function ehrRouter(opts: EhrOptions): express.Router {
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const cdsServiceUrl = opts.cdsServiceUrl ?? `${base}/cds-services/${CDS_SERVICE_ID}`;
  const appLaunchUrl = opts.appLaunchUrl ?? `${base}/launch.html`;
  const page = path.join(opts.distDir, 'sandbox/ehr/index.html');
  const router = express.Router();

  const sendPage = (_req: Request, res: Response) => {
    if (!existsSync(page)) {
      res.status(503).type('html').send(authErrorPage('The EHR page is not built', 'Run "npm run build" (or "npm start", which builds first) and reload.'));
      return;
    }
    res.sendFile(page);
  };
  // The EHR page's own session: a cookie set when the page is served, SameSite=Strict so no other site
  // can send it, and required by every /ehr/api call. Without it nobody could use the sandbox's trusted
  // CDS signing identity or register launches.
  const sessions = new Set<string>();
  const SESSION_COOKIE = 'sij_ehr_session';
  router.get(['/ehr', '/ehr/'], pageHeaders, (req, res) => {
    const session = randomUUID();
    sessions.add(session);
    res.cookie(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/ehr' });
    sendPage(req, res);
  });
  router.use('/ehr/api', (req, res, next) => {
    const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
    if (!cookie || !sessions.has(cookie)) {
      res.status(403).json({ error: 'access_denied', error_description: 'The sandbox EHR API is for the EHR page itself: open /ehr first.' });
      return;
    }
    next();
  });

  router.get('/ehr/api/config', (_req, res) => {
    res.json({ fhirBase: opts.fhirBase, cdsServiceUrl, appLaunchUrl, user: EHR_USER, patients: opts.patients() });
  });

  router.post('/ehr/api/sign', express.json({ limit: '2mb' }), async (req, res) => {
    const { patientId, order } = (req.body ?? {}) as { patientId?: string; order?: { resourceType?: string; id?: string } };
    if (typeof patientId !== 'string' || !opts.patients().some((p) => p.id === patientId) || !order || (order.resourceType !== 'ServiceRequest' && order.resourceType !== 'MedicationRequest')) {
      return badRequest(res, 'Send { patientId, order } where order is the draft ServiceRequest or MedicationRequest.');
    }
    const token = await opts.auth.issueToken({ clientId: 'sandbox-ehr-cds-client', scope: CDS_SCOPE, patient: patientId });
    const hookRequest = {
      hook: 'order-sign',
      hookInstance: randomUUID(),
      fhirServer: opts.fhirBase,
      fhirAuthorization: {
        access_token: token.access_token,
        token_type: 'Bearer',
        expires_in: token.expires_in,
        scope: token.scope,
        subject: 'sij-cds-service',
        patient: patientId,
      },
      context: {
        userId: EHR_USER,
        patientId,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
      },
    };
    const shown = { ...hookRequest, fhirAuthorization: { ...hookRequest.fhirAuthorization, access_token: '(redacted)' } };
    try {
      const started = Date.now();
      const response = await fetch(cdsServiceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${await opts.auth.signCdsClientJwt(cdsServiceUrl)}`,
        },
        body: JSON.stringify(hookRequest),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text: the page shows it */
      }
      res.json({ request: shown, status: response.status, ms: Date.now() - started, response: body });
    } catch (err) {
      res.status(502).json({ request: shown, status: 0, error: `The CDS service at ${cdsServiceUrl} did not answer: ${(err as Error).message}` });
    }
  });

  router.post('/ehr/api/launch', express.json(), (req, res) => {
    const { patientId, appContext, fhirContext } = (req.body ?? {}) as {
      patientId?: string;
      appContext?: unknown;
      fhirContext?: { reference: string }[];
    };
    if (!patientId || !opts.patients().some((p) => p.id === patientId)) return badRequest(res, 'Unknown patientId.');
    const context = appContext === undefined || typeof appContext === 'string' ? appContext : JSON.stringify(appContext);
    const launch = opts.auth.createLaunch({ patient: patientId, appContext: context, fhirContext, user: EHR_USER });
    res.json({ launch, iss: opts.fhirBase });
  });

  return router;
}
