// The fallback path's I/O edge: reading what the prefetch did not bring from the CDS client's
// fhirServer (CDS Hooks 2.0 §FHIR Resource Access), with the fhirAuthorization bearer token, following
// every `next` link, under one deadline. Only allowlisted origins are contacted.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, preconditionFailed } from '../common/outcomes';

export type FetchFn = typeof fetch;

/** A failure of the FHIR server (timeout, 5xx, garbage): the determination becomes indeterminate. */
export class FhirTechnicalError extends Error {}

/** Guard against a server that pages forever. */
const MAX_PAGES = 100;

/**
 * The origin of `fhirServer` if the service may call it: in FHIR_SERVER_ALLOWLIST or the embedded
 * sandbox. Otherwise a 412 that says why — and no connection is made.
 */
export function allowedFhirBase(fhirServer: string | undefined, allowlist: readonly string[], sandboxFhirBase: string): string {
  if (!fhirServer) {
    throw new OperationOutcomeError(
      preconditionFailed('Prefetch data is missing and the request names no fhirServer to fetch it from'),
    );
  }
  let url: URL;
  try {
    url = new URL(fhirServer);
  } catch {
    throw new OperationOutcomeError(preconditionFailed('fhirServer is not a valid URL; the missing prefetch data cannot be fetched'));
  }
  const allowed = new Set([...allowlist, new URL(sandboxFhirBase).origin]);
  if (!['http:', 'https:'].includes(url.protocol) || !allowed.has(url.origin)) {
    throw new OperationOutcomeError(
      preconditionFailed(
        `fhirServer origin ${url.origin} is not in FHIR_SERVER_ALLOWLIST; the service will not contact it, and the missing prefetch data cannot be had`,
      ),
    );
  }
  return fhirServer.replace(/\/+$/, '');
}

export interface FetchOptions {
  fetch: FetchFn;
  /** Sent as `Authorization: Bearer` only when non-empty (real clients send "" or nothing). */
  accessToken?: string;
  signal: AbortSignal;
}

/** GET one query (relative to base) and every page after it; the resources of all pages. */
export async function fetchAllPages(base: string, query: string, opts: FetchOptions): Promise<Resource[]> {
  const origin = new URL(base).origin;
  const resources: Resource[] = [];
  let url: string | undefined = `${base}/${query}`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const body = await getJson(url, opts);
    if (body === undefined) return resources; // 404 on a read: there is no such record
    if (body.resourceType !== 'Bundle') return [...resources, body];
    const bundle = body as Bundle;
    for (const entry of bundle.entry ?? []) if (entry.resource) resources.push(entry.resource);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    // A next link is followed only on the same server: the token must not travel elsewhere.
    url = next && new URL(next, base).origin === origin ? new URL(next, base).toString() : undefined;
  }
  // Judging a record cut short would present part of it as the whole: the determination must wait.
  if (url) throw new FhirTechnicalError(`the FHIR server was still sending pages after ${MAX_PAGES}`);
  return resources;
}

async function getJson(url: string, opts: FetchOptions): Promise<Resource | undefined> {
  const headers: Record<string, string> = { accept: 'application/fhir+json, application/json' };
  if (opts.accessToken) headers.authorization = `Bearer ${opts.accessToken}`;
  let res: Response;
  try {
    res = await opts.fetch(url, { headers, signal: opts.signal, redirect: 'error' });
  } catch (err) {
    const timedOut = opts.signal.aborted;
    throw new FhirTechnicalError(timedOut ? 'the FHIR server did not answer in time' : 'the FHIR server could not be reached', { cause: err });
  }
  if (res.status === 404 && !new URL(url).search) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FhirTechnicalError(`the FHIR server answered ${res.status}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new FhirTechnicalError(opts.signal.aborted ? 'the FHIR server did not answer in time' : 'the FHIR server sent a body that is not JSON', { cause: err });
  }
  const type = (body as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string' || type === 'OperationOutcome') throw new FhirTechnicalError('the FHIR server sent something that is not a FHIR resource');
  return body as Resource;
}
