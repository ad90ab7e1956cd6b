// The sandbox as a layer on top of the product: what the composition root (server/compose.ts) mounts
// when SANDBOX is on, and what it must trust and allow because of it. server/ reaches this module only
// through a dynamic import, so production mode (SANDBOX=off) never loads any sandbox code.
import type { RequestHandler } from 'express';
import { createSandbox, type Sandbox } from './index';
import type { FeedbackReader } from './ehr-api';

export interface EmbedOptions {
  publicBaseUrl: string;
  patientDirs?: string[];
  tokenLifetimeSeconds?: number;
  requireAuth?: boolean;
  distDir?: string;
  /** The SMART app's client id, registered with the sandbox's authorization server. */
  appClientId?: string;
  /** The service's feedback store, for the EHR page's view of stored feedback. */
  feedback?: FeedbackReader;
}

export interface Embedded {
  router: RequestHandler;
  /** The sandbox EHR's CDS client identity: trusted only while the sandbox runs. */
  trustedIssuer: { iss: string; jwks_url: string };
  /** The sandbox FHIR server's origin: allowed as a fhirServer only while the sandbox runs. */
  fhirOrigin: string;
  sandbox: Sandbox;
}

export async function prepareSandbox(opts: EmbedOptions): Promise<Embedded> {
  const sandbox = await createSandbox(opts);
  return { router: sandbox.router, trustedIssuer: sandbox.auth.ehrClient, fhirOrigin: new URL(sandbox.fhirBase).origin, sandbox };
}
