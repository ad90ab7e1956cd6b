// The server half of the page that plays the EHR (/ehr), a test bench for the service and the app: it
// does what an EHR does around CDS Hooks and SMART, with the sandbox's own credentials.
//   GET  /ehr/api/config              patients, payers, states, and where the service and app are
//   POST /ehr/api/sign                order-sign for one or several draft orders (sandbox/ehr-hooks.ts)
//   POST /ehr/api/replay              an edited hook request sent again, with a fresh JWT and token
//   POST /ehr/api/feedback            accept or override a card: a real feedback POST to the service
//   GET  /ehr/api/feedback?card=…     what the feedback store holds for those cards (sandbox only)
//   GET  /ehr/api/coverage?patientId  the patient's payer, member id and state, read from FHIR
//   POST /ehr/api/coverage            switch payer, plan, member id or state (sandbox/ehr-coverage.ts)
//   POST /ehr/api/coverage/restore    put the patient's record back as loaded
//   POST /ehr/api/launch              register an EHR launch context; returns the opaque `launch`
// Every /ehr/api call needs the page's own session cookie. Access tokens never go back to the browser.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { SmartAuth } from './auth';
import type { PickablePatient } from './consent-page';
import { authErrorPage } from './consent-page';
import { BenchInputError, createHookCalls } from './ehr-hooks';

export { CDS_SCOPE } from './ehr-hooks';
import { createCoverageSwitch, type CoverageChange } from './ehr-coverage';
import { pageHeaders } from '../common/pages';

export const CDS_SERVICE_ID = 'sij-medical-necessity';
export const EHR_USER = 'Practitioner/sandbox-practitioner';

/** The feedback store's read side, as the bench shows it (cds-hooks/feedback-store.ts). */
export interface FeedbackReader {
  feedbackFor(cardUuid: string): Promise<readonly { card: string; outcome: string; issued?: unknown }[]>;
}

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
  /** Where the bench reads stored feedback back from; without it the feedback view is off. */
  feedback?: FeedbackReader;
}

/** The most cards one feedback view asks about. */
const MAX_CARDS = 50;

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

  const isPatient = (id: string) => opts.patients().some((p) => p.id === id);
  const hooks = createHookCalls({ auth: opts.auth, fhirBase: opts.fhirBase, cdsServiceUrl, user: EHR_USER, isPatient });
  const coverage = createCoverageSwitch({ auth: opts.auth, fhirBase: opts.fhirBase, isPatient });
  /** Bad input is a 400 with the reason; anything else is the error handler's (a 500 with no detail). */
  const handled =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      fn(req, res).catch((err: unknown) => (err instanceof BenchInputError ? badRequest(res, err.message) : next(err)));
    };

  router.get('/ehr/api/config', (_req, res) => {
    res.json({
      fhirBase: opts.fhirBase,
      cdsServiceUrl,
      appLaunchUrl,
      user: EHR_USER,
      patients: opts.patients(),
      payers: coverage.payers,
      states: coverage.states,
      feedbackView: !!opts.feedback,
    });
  });

  router.post(
    '/ehr/api/sign',
    express.json({ limit: '2mb' }),
    handled(async (req, res) => {
      const { patientId, order, orders } = (req.body ?? {}) as { patientId?: unknown; order?: unknown; orders?: unknown };
      if (typeof patientId !== 'string') throw new BenchInputError('Send { patientId, orders: [...] } with the draft ServiceRequests or MedicationRequests to sign.');
      const call = await hooks.sign(patientId, orders ?? (order ? [order] : undefined));
      res.status(call.status === 0 ? 502 : 200).json(call);
    }),
  );

  router.post(
    '/ehr/api/replay',
    express.json({ limit: '5mb' }),
    handled(async (req, res) => {
      const call = await hooks.replay((req.body ?? {}).request);
      res.status(call.status === 0 ? 502 : 200).json(call);
    }),
  );

  router.post(
    '/ehr/api/feedback',
    express.json({ limit: '1mb' }),
    handled(async (req, res) => {
      res.json(await hooks.feedback(req.body));
    }),
  );

  router.get(
    '/ehr/api/feedback',
    handled(async (req, res) => {
      if (!opts.feedback) throw new BenchInputError('This sandbox has no feedback store to read.');
      const cards = ([] as unknown[]).concat(req.query.card ?? []).filter((c): c is string => typeof c === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(c));
      if (cards.length === 0 || cards.length > MAX_CARDS) throw new BenchInputError(`Ask for 1 to ${MAX_CARDS} cards: ?card=<uuid>&card=<uuid>.`);
      const entries = (await Promise.all(cards.map((c) => opts.feedback!.feedbackFor(c)))).flat();
      // What the clinician did, and which card; the stored determination stays in the store.
      res.json({ entries: entries.map(({ issued: _issued, ...e }) => e) });
    }),
  );

  router.get(
    '/ehr/api/coverage',
    handled(async (req, res) => {
      const patientId = typeof req.query.patientId === 'string' ? req.query.patientId : '';
      if (!isPatient(patientId)) throw new BenchInputError('Unknown patientId.');
      res.json(await coverage.summary(patientId));
    }),
  );

  router.post(
    '/ehr/api/coverage',
    express.json(),
    handled(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const pick = (k: string) => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined);
      res.json(await coverage.change({ patientId: pick('patientId') ?? '', payer: pick('payer') as CoverageChange['payer'], memberId: pick('memberId'), state: pick('state') }));
    }),
  );

  router.post(
    '/ehr/api/coverage/restore',
    express.json(),
    handled(async (req, res) => {
      const patientId = (req.body ?? {}).patientId;
      res.json(await coverage.restore(typeof patientId === 'string' ? patientId : ''));
    }),
  );

  router.post('/ehr/api/launch', express.json(), (req, res) => {
    const { patientId, appContext, fhirContext } = (req.body ?? {}) as {
      patientId?: string;
      appContext?: unknown;
      fhirContext?: { reference: string }[];
    };
    if (!patientId || !isPatient(patientId)) return badRequest(res, 'Unknown patientId.');
    const context = appContext === undefined || typeof appContext === 'string' ? appContext : JSON.stringify(appContext);
    const launch = opts.auth.createLaunch({ patient: patientId, appContext: context, fhirContext, user: EHR_USER });
    res.json({ launch, iss: opts.fhirBase });
  });

  return router;
}
