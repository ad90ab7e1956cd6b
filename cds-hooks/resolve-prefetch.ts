// Stage 2 of the hook: resolve prefetch. Every usable prefetch value is flattened to resources (any
// key, so clients that prefetch under their own keys — the Da Vinci CRD request generator — count);
// each of our template keys that is missing, null or an OperationOutcome is fetched from fhirServer
// within the hook call's FetchBudget. 412 only when the data cannot be had at all; a failing, slow or
// oversized server is "technical trouble", not a 412. A prefetched Coverage whose payer Organization did
// not come with it (the CDS Hooks sandbox fills the coverage key without honouring _include) has that
// Organization read from fhirServer when the request names one: without the payer's name the policy
// cannot be chosen. Resources come back as sent, duplicates included: one copy of each is kept only
// after isolation (isolateHookRecord), so another patient's resource that shares an own resource's
// type and id cannot displace it.
import type { Resource } from '@medplum/fhirtypes';
import { allowedFhirBase, fetchAllPages, FhirTechnicalError, type FetchBudget, type FetchFn } from './fhir-fetch';
import { flattenResources, isUsablePrefetch, OPTIONAL_PREFETCH_KEYS, PREFETCH_TEMPLATES, replacePrefetchTokens } from './prefetch';
import type { HookRequest } from './types';

export interface ResolveOptions {
  fetch: FetchFn;
  allowlist: readonly string[];
  budget: FetchBudget;
}

export interface ResolvedRecord {
  resources: Resource[];
  /** Keys fetched from fhirServer rather than prefetched. */
  fetched: string[];
  /** Why some data could not be read (set only on technical trouble). */
  trouble?: string;
  /** Optional keys the server refused (OPTIONAL_PREFETCH_KEYS): read as absent. */
  refused?: string[];
}

export async function resolvePrefetch(request: HookRequest, opts: ResolveOptions): Promise<ResolvedRecord> {
  const prefetch = request.prefetch ?? {};
  const resources: Resource[] = [];
  for (const value of Object.values(prefetch)) if (isUsablePrefetch(value)) resources.push(...flattenResources(value));

  const missing = Object.entries(PREFETCH_TEMPLATES)
    .filter(([key]) => !isUsablePrefetch(prefetch[key]))
    .map(([key, template]) => ({ key, query: replacePrefetchTokens(template, request.context) }))
    .filter((m): m is { key: string; query: string } => m.query !== undefined);
  if (missing.length === 0) return withPayers({ resources, fetched: [] }, request, opts);
  // Only optional keys missing and no FHIR server the service may call: the record is read without them.
  if (missing.every((m) => OPTIONAL_PREFETCH_KEYS.has(m.key))) {
    try {
      allowedFhirBase(request.fhirServer, opts.allowlist);
    } catch {
      return { resources, fetched: [], refused: missing.map((m) => m.key) };
    }
  }

  const base = allowedFhirBase(request.fhirServer, opts.allowlist);
  const results = await Promise.allSettled(
    missing.map((m) => fetchAllPages(base, m.query, { fetch: opts.fetch, accessToken: request.fhirAuthorization?.access_token, budget: opts.budget })),
  );
  // The breach that stopped the call names the real cause; the other keys only saw an abort.
  let trouble: string | undefined = opts.budget.breachError?.message;
  const refused: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return void resources.push(...result.value);
    const status = result.reason instanceof FhirTechnicalError ? result.reason.status : undefined;
    if (OPTIONAL_PREFETCH_KEYS.has(missing[i]!.key) && (status === 400 || status === 403 || status === 404)) return void refused.push(missing[i]!.key);
    trouble ??= result.reason instanceof FhirTechnicalError ? result.reason.message : 'the FHIR server could not be read';
  });
  const resolved = { resources, fetched: missing.map((m) => m.key), ...(trouble ? { trouble } : {}), ...(refused.length ? { refused } : {}) };
  return trouble ? resolved : withPayers(resolved, request, opts);
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Payer Organizations that Coverage resources name but the record lacks, by id (FHIR's id syntax only). */
export function missingPayerIds(resources: readonly Resource[]): string[] {
  const have = new Set(resources.filter((r) => r.resourceType === 'Organization').map((r) => r.id));
  const ids = new Set<string>();
  for (const r of resources) {
    if (r.resourceType !== 'Coverage' || !Array.isArray(r.payor)) continue;
    for (const p of r.payor as unknown[]) {
      const ref = (p as { reference?: unknown } | null)?.reference;
      const m = typeof ref === 'string' ? /^Organization\/([^/]+)$/.exec(ref) : null;
      if (m && FHIR_ID.test(m[1]!) && !have.has(m[1]!)) ids.add(m[1]!);
    }
  }
  return [...ids];
}

/**
 * Reads the missing payer Organizations in one search. Only when the request names an allowed
 * fhirServer; a failure leaves the payer unnamed (the engine then says it is unknown), it does not
 * make the record unreadable.
 */
async function withPayers(resolved: ResolvedRecord, request: HookRequest, opts: ResolveOptions): Promise<ResolvedRecord> {
  const ids = missingPayerIds(resolved.resources);
  if (ids.length === 0 || !request.fhirServer) return resolved;
  let base: string;
  try {
    base = allowedFhirBase(request.fhirServer, opts.allowlist);
  } catch {
    return resolved;
  }
  try {
    const found = await fetchAllPages(base, `Organization?_id=${ids.join(',')}`, { fetch: opts.fetch, accessToken: request.fhirAuthorization?.access_token, budget: opts.budget });
    const orgs = found.filter((r) => r.resourceType === 'Organization' && r.id && ids.includes(r.id));
    return { ...resolved, resources: [...resolved.resources, ...orgs], fetched: [...resolved.fetched, 'payer'] };
  } catch {
    return resolved;
  }
}
