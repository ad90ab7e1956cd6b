// The fallback path's I/O edge: reading what the prefetch did not bring from the CDS client's
// fhirServer (CDS Hooks 2.0 §FHIR Resource Access), with the fhirAuthorization bearer token, following
// every `next` link. Everything is bounded by one budget per hook call (FetchBudget): a deadline that
// covers headers and bodies, a byte cap per response and per call, and a cap on upstream requests.
// Bodies are read as a stream and counted as they arrive, so an endless body costs at most the cap.
// Only allowlisted origins are contacted.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError, preconditionFailed } from '../common/outcomes';

export type FetchFn = typeof fetch;

/** A failure of the FHIR server (timeout, 5xx, garbage, too much): the determination becomes indeterminate. */
export class FhirTechnicalError extends Error {
  /** The HTTP status, when the server answered with one. */
  status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    if (options?.status !== undefined) this.status = options.status;
  }
}

export interface FetchLimits {
  /** Bytes one response body may have. */
  maxResponseBytes: number;
  /** Bytes all responses of one hook call may have together. */
  maxCallBytes: number;
  /** Upstream requests one hook call may make, pages included. */
  maxRequests: number;
}

/**
 * Defaults sized for a large real record: the 500-resource sandbox patient is 172 KB of JSON, so 32 MiB
 * holds about 90,000 resources, and 100 requests of up to 1,000 resources each (the `_count` asked
 * for) read more than any one patient has.
 */
export const DEFAULT_FETCH_LIMITS: FetchLimits = { maxResponseBytes: 16 * 1024 * 1024, maxCallBytes: 32 * 1024 * 1024, maxRequests: 100 };

/** The page size asked for on every fallback search (servers cap it to their own maximum). */
export const FETCH_PAGE_SIZE = 1000;

/**
 * One hook call's shared budget: every fetch of every prefetch key draws from it. The first breach
 * aborts every other fetch of the call too: once the record cannot be had whole, reading the rest of
 * it only costs memory and the caller's time.
 */
export class FetchBudget {
  bytes = 0;
  requests = 0;
  private readonly controller = new AbortController();
  private either?: AbortSignal;
  constructor(
    readonly limits: FetchLimits,
    private readonly deadline: AbortSignal,
  ) {}

  /**
   * Aborted at the deadline or at the first breach. Made when a fetch first asks for it: most hook
   * calls bring their whole record as prefetch and fetch nothing, and AbortSignal.any is not free.
   * Made late, it is already aborted if either was, with that reason.
   */
  get signal(): AbortSignal {
    return (this.either ??= AbortSignal.any([this.deadline, this.controller.signal]));
  }

  private breach(message: string): never {
    const err = new FhirTechnicalError(message);
    this.controller.abort(err);
    throw err;
  }

  takeRequest(): void {
    if (++this.requests > this.limits.maxRequests) this.breach(`the FHIR server needed more than ${this.limits.maxRequests} requests for one record`);
  }

  takeBytes(n: number, responseSoFar: number): void {
    this.bytes += n;
    if (responseSoFar > this.limits.maxResponseBytes) this.breach(`a FHIR server response was larger than ${this.limits.maxResponseBytes} bytes`);
    if (this.bytes > this.limits.maxCallBytes) this.breach(`the patient record was larger than ${this.limits.maxCallBytes} bytes`);
  }

  /** The breach that stopped the call, if one did (a deadline abort is not one). */
  get breachError(): FhirTechnicalError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as FhirTechnicalError) : undefined;
  }
}

/**
 * The origin of `fhirServer` if the service may call it: in the allowlist (which the composition root
 * extends with the embedded sandbox when, and only when, it runs). Otherwise a 412 that says why — and
 * no connection is made.
 */
export function allowedFhirBase(fhirServer: string | undefined, allowlist: readonly string[]): string {
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
  if (!['http:', 'https:'].includes(url.protocol) || !allowlist.includes(url.origin)) {
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
  budget: FetchBudget;
}

/** Adds `_count` to a search so a large record comes in few pages. */
function withPageSize(query: string): string {
  if (!query.includes('?') || /[?&]_count=/.test(query)) return query;
  return `${query}&_count=${FETCH_PAGE_SIZE}`;
}

/** GET one query (relative to base) and every page after it; the resources of all pages. */
export async function fetchAllPages(base: string, query: string, opts: FetchOptions): Promise<Resource[]> {
  const origin = new URL(base).origin;
  const resources: Resource[] = [];
  let url: string | undefined = `${base}/${withPageSize(query)}`;
  while (url) {
    const body = await getJson(url, opts);
    if (body === undefined) return resources; // 404 on a read: there is no such record
    if (body.resourceType !== 'Bundle') return [...resources, body];
    const bundle = body as Bundle;
    for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
      const resource = (entry as { resource?: unknown } | null)?.resource;
      if (resource && typeof resource === 'object') resources.push(resource as Resource);
    }
    const next = Array.isArray(bundle.link) ? bundle.link.find((l) => l?.relation === 'next')?.url : undefined;
    // A next link is followed only on the same server: the token must not travel elsewhere.
    url = typeof next === 'string' && sameOrigin(next, base, origin) ? new URL(next, base).toString() : undefined;
  }
  return resources;
}

function sameOrigin(next: string, base: string, origin: string): boolean {
  try {
    return new URL(next, base).origin === origin;
  } catch {
    return false;
  }
}

async function getJson(url: string, opts: FetchOptions): Promise<Resource | undefined> {
  const { budget } = opts;
  budget.takeRequest();
  const headers: Record<string, string> = { accept: 'application/fhir+json, application/json' };
  if (opts.accessToken) headers.authorization = `Bearer ${opts.accessToken}`;
  let res: Response;
  try {
    res = await opts.fetch(url, { headers, signal: budget.signal, redirect: 'error' });
  } catch (err) {
    throw budget.breachError ?? new FhirTechnicalError(budget.signal.aborted ? 'the FHIR server did not answer in time' : 'the FHIR server could not be reached', { cause: err });
  }
  if (res.status === 404 && !new URL(url).search) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new FhirTechnicalError(`the FHIR server answered ${res.status}`, { status: res.status });
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > budget.limits.maxResponseBytes) {
    await res.body?.cancel().catch(() => undefined);
    budget.takeBytes(0, declared); // throws, and stops the call's other reads
  }
  const text = await readCapped(res, budget);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new FhirTechnicalError('the FHIR server sent a body that is not JSON', { cause: err });
  }
  const type = (body as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string' || type === 'OperationOutcome') throw new FhirTechnicalError('the FHIR server sent something that is not a FHIR resource');
  return body as Resource;
}

/** The body as text, counted chunk by chunk against the budget; the stream is cancelled on a breach. */
async function readCapped(res: Response, budget: FetchBudget): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      budget.takeBytes(value.byteLength, size);
      parts.push(decoder.decode(value, { stream: true }));
    }
    parts.push(decoder.decode());
    return parts.join('');
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof FhirTechnicalError) throw err;
    throw budget.breachError ?? new FhirTechnicalError(budget.signal.aborted ? 'the FHIR server did not answer in time' : 'the FHIR server broke off its answer', { cause: err });
  } finally {
    reader.releaseLock();
  }
}
