// The embedded sandbox: everything a newcomer needs to try the product with no EHR and no internet,
// mounted into the main server's process (server/main.ts) unless SANDBOX=off.
//   /fhir                                   the FHIR R4 server (sandbox/fhir-server.ts), behind the token guard
//   /fhir/.well-known/smart-configuration   SMART discovery
//   /auth/*                                 the SMART authorization server (sandbox/auth.ts)
//   /ehr, /ehr/api/*                        the page that plays the EHR (sandbox/ehr-api.ts)
// It loads every patient bundle in test/fixtures/patients/ and sandbox/patients/ at start.
import express from 'express';
import { createFhirStore, type FhirStore } from './fhir-server';
import { createSmartAuth, type ClientRegistration, type SmartAuth } from './auth';
import { ehrRouter, type FeedbackReader } from './ehr-api';
import { fhirGuard } from './fhir-guard';
import { PATIENT_DIRS, sandboxBundles, summarisePatients } from './patients';
import { DEFAULT_DIST_DIR } from '../common/pages';
import type { PickablePatient } from './consent-page';

export interface SandboxOptions {
  /** The server's public origin, e.g. "http://localhost:3000"; the FHIR base is `${publicBaseUrl}/fhir`. */
  publicBaseUrl: string;
  patientDirs?: string[];
  /** Refuse anonymous FHIR requests (default false: tokens are checked when presented). */
  requireAuth?: boolean;
  tokenLifetimeSeconds?: number;
  cdsServiceUrl?: string;
  appLaunchUrl?: string;
  /** Where Vite built the client (default dist/client). */
  distDir?: string;
  /** The SMART app's client id (SMART_CLIENT_ID), registered with redirect `${publicBaseUrl}/app/`. */
  appClientId?: string;
  /** More registered clients (tests, other apps to try against the sandbox). */
  clients?: ClientRegistration[];
  /** The service's feedback store, read by the EHR page's feedback view. */
  feedback?: FeedbackReader;
}

export interface Sandbox {
  router: express.Router;
  fhirBase: string;
  auth: SmartAuth;
  store: FhirStore;
  patients: PickablePatient[];
  /** Bundles that failed to load, with why; the rest still load. */
  loadErrors: string[];
}

export async function createSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const fhirBase = `${base}/fhir`;
  const store = await createFhirStore({ baseUrl: fhirBase });
  const bundles = await sandboxBundles(opts.patientDirs ?? PATIENT_DIRS);
  const loadErrors: string[] = [];
  const loaded = [];
  for (const b of bundles) {
    try {
      await store.load(b.bundle);
      loaded.push(b);
    } catch (err) {
      loadErrors.push(`${b.file}: ${(err as Error).message}`);
    }
  }
  const patients = summarisePatients(loaded);
  const auth = await createSmartAuth({
    // The SMART app is registered like any client: exact redirect URI, patient-level scopes only.
    clients: [{ clientId: opts.appClientId ?? 'sij-necessity', redirectUris: [`${base}/app/`], levels: ['patient'] }, ...(opts.clients ?? [])],
    publicBaseUrl: base,
    fhirBase,
    patients: () => patients,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds,
  });

  const router = express.Router();
  router.use(auth.router); // before /fhir: it serves /fhir/.well-known/smart-configuration
  router.use('/fhir', fhirGuard({ verify: auth.verifyAccessToken, requireAuth: opts.requireAuth }), store.router);
  router.use(
    ehrRouter({
      publicBaseUrl: base,
      fhirBase,
      auth,
      patients: () => patients,
      cdsServiceUrl: opts.cdsServiceUrl,
      appLaunchUrl: opts.appLaunchUrl,
      distDir: opts.distDir ?? DEFAULT_DIST_DIR,
      feedback: opts.feedback,
    }),
  );
  return { router, fhirBase, auth, store, patients, loadErrors };
}
