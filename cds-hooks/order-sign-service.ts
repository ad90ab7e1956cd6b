// The order-sign service `sij-medical-necessity`: the hook as named stages —
//   parse request → resolve prefetch (fetch what is missing) → isolate the context patient's record →
//   evaluate (engine) → build cards and
//   CRD coverage-information systemActions → remember issued cards (for feedback).
// Pure stages live in request.ts, cards.ts and coverage-information.ts; I/O in resolve-prefetch.ts.
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Determination } from '../criteria/model';
import type { Logger } from '../common/logger';
import { allOk, normalizeError } from '../common/outcomes';
import { buildCard, buildIndeterminateCard, compact } from './cards';
import { assertionFor, coverageInformation, payerCoverage } from './coverage-information';
import { documentationLink, questionnaireCanonical, withQuestionnaire } from './dtr';
import { DEFAULT_FETCH_LIMITS, FetchBudget, type FetchFn, type FetchLimits } from './fhir-fetch';
import { compactDetermination, type FeedbackStore, type IssuedCard } from './feedback-store';
import { PREFETCH_TEMPLATES } from './prefetch';
import { isolateHookRecord } from './isolate';
import { draftOrders, parseHookRequest } from './request';
import { resolvePrefetch, type ResolvedRecord } from './resolve-prefetch';
import type { Action, Card, CdsResponse, Engine, HookRequest, ServiceDefinition } from './types';

export const SERVICE_ID = 'sij-medical-necessity';

export const orderSignService: ServiceDefinition = {
  hook: 'order-sign',
  id: SERVICE_ID,
  title: 'Medical necessity for sacroiliac-joint and sacral-nerve procedures',
  description:
    'When 64772, 64625, 64451, 27096, G0260, 64999 or J1100 is signed, judges the order against the patient\'s payer ' +
    'policy (Medicare LCD, Aetna, Centene) or the evidence pathway, and returns a card with the reasons, the missing ' +
    'documentation and the evidence-based alternative, plus Da Vinci CRD coverage information.',
  prefetch: { ...PREFETCH_TEMPLATES },
  usageRequirements: 'Send fhirServer with fhirAuthorization, or the prefetch; the service reads conditions, procedures, observations and medications.',
};

export interface OrderSignDeps {
  engine: Engine;
  store: FeedbackStore;
  fetch: FetchFn;
  logger: Logger;
  publicBaseUrl: string;
  /** Origins the fallback may call (FHIR_SERVER_ALLOWLIST, plus the embedded sandbox when it runs). */
  allowlist: readonly string[];
  /** One deadline per hook call: fetching (headers and bodies) and evaluation. */
  deadlineMs: number;
  limits?: FetchLimits;
  newUuid: () => string;
  now: () => Date;
}

/**
 * The hook, transport-free: the parsed body in, [OperationOutcome, response] out (Medplum's router
 * shape). Refusals come back as their outcome; anything unexpected is logged here and answered as a
 * bare 500 outcome, so no stack or message reaches the caller.
 */
export async function handleOrderSign(body: unknown, deps: OrderSignDeps): Promise<[OperationOutcome, CdsResponse?]> {
  try {
    return [allOk, await orderSign(body, deps)];
  } catch (err) {
    const { status, outcome } = normalizeError(err);
    if (status >= 500) deps.logger.error({ err }, 'order-sign failed');
    return [outcome];
  }
}

async function orderSign(body: unknown, deps: OrderSignDeps): Promise<CdsResponse> {
  const started = Date.now();
  const request = parseHookRequest(body, orderSignService.hook);
  const drafts = draftOrders(request);
  // Scope is the engine's: the trigger codes are its data (criteria/vocabulary/triggers.json).
  if (!deps.engine.inScope(drafts)) return { cards: [] };

  // The deadline starts with the call, so fetching and evaluation share it.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.deadlineMs);
  const budget = new FetchBudget(deps.limits ?? DEFAULT_FETCH_LIMITS, controller.signal);
  let resolved: ResolvedRecord;
  try {
    resolved = await resolvePrefetch(request, { fetch: deps.fetch, allowlist: deps.allowlist, budget });
  } finally {
    clearTimeout(timer);
    // Stops whatever fetch is still reading. A call that fetched nothing (the whole record came as
    // prefetch, the usual case) has nothing to stop, and aborting is not free: it builds a
    // DOMException, stack and all, and dispatches abort events to the budget's signals.
    if (budget.requests > 0) controller.abort();
  }
  const isolated = isolateHookRecord(request.context.patientId, resolved.resources, drafts);
  let record: ResolvedRecord = { ...resolved, resources: isolated.resources };
  const orders = isolated.orders;
  const { determinations, late } = await evaluate(record, orders, deps, resolved.fetched.length > 0 ? deps.deadlineMs - (Date.now() - started) : undefined);
  if (late) record = { ...record, trouble: 'the record could not be read and evaluated within the time allowed' };
  const { response, issued } = record.trouble
    ? respondIndeterminate(request, orders, determinations, record, deps)
    : respond(request, orders, determinations, record, deps);

  await deps.store.recordIssued(issued).catch((err: unknown) => {
    // Cards still go out: a clinician's signing must not wait on the analytics store.
    deps.logger.error({ err }, 'could not remember issued cards; feedback for them will be refused');
  });
  deps.logger.info(
    {
      service: SERVICE_ID,
      hookInstance: request.hookInstance,
      outcomes: issued.map((c) => c.outcome),
      fetched: record.fetched,
      isolation: isolated.counts,
      technical: Boolean(record.trouble),
      ms: Date.now() - started,
    },
    'order-sign answered',
  );
  return response;
}

/**
 * Stages 3–4: facts and evaluation are the engine's; a failing engine on partial data is not fatal.
 * When the record was fetched, `remainingMs` is what the deadline leaves: evaluation runs off the
 * request thread (engine.evaluateWithin) and is stopped when it runs out, or is not started at all.
 */
async function evaluate(
  record: ResolvedRecord,
  orders: Resource[],
  deps: OrderSignDeps,
  remainingMs: number | undefined,
): Promise<{ determinations?: Determination[]; late: boolean }> {
  if (remainingMs !== undefined && !record.trouble && remainingMs <= 0) return { late: true };
  try {
    // Today comes from the service's clock: an order dated later is judged as of today.
    const options = { orders, today: today(deps.now()) };
    if (remainingMs !== undefined && !record.trouble && deps.engine.evaluateWithin) {
      const determinations = await deps.engine.evaluateWithin(record.resources, options, remainingMs);
      return determinations ? { determinations, late: false } : { late: true };
    }
    return { determinations: deps.engine.evaluate(record.resources, options), late: false };
  } catch (err) {
    if (!record.trouble) throw err;
    deps.logger.warn({ err }, 'engine failed on a partial record');
    return { late: false };
  }
}

function findOrder(orders: Resource[], reference: string): Resource | undefined {
  return orders.find((o) => `${o.resourceType}/${o.id}` === reference);
}

const today = (now: Date) => now.toISOString().slice(0, 10);

/** Stage 5: one card and one coverage-information systemAction per determination. */
function respond(request: HookRequest, orders: Resource[], determinations: Determination[] | undefined, record: ResolvedRecord, deps: OrderSignDeps) {
  const cards: Card[] = [];
  const systemActions: Action[] = [];
  const issued: IssuedCard[] = [];
  for (const d of determinations ?? []) {
    const order = findOrder(orders, d.order.reference);
    // Da Vinci DTR: the form for what the record leaves unknown, named by the card's link and the coverage information.
    const canonical = questionnaireCanonical(deps.engine, d);
    const card = buildCard(d, {
      documentation: documentationLink(d, { publicBaseUrl: deps.publicBaseUrl, canonical }),
      uuid: deps.newUuid(),
      newUuid: deps.newUuid,
      publicBaseUrl: deps.publicBaseUrl,
      detail: deps.engine.renderMarkdown(d),
      order,
      patientId: request.context.patientId,
    });
    cards.push(card);
    const coverage = payerCoverage(d);
    if (order && coverage) {
      systemActions.push(compact(withQuestionnaire(coverageInformation({ order, assertion: assertionFor(d), coverage, date: today(deps.now()), assertionId: card.uuid }), canonical)));
    }
    issued.push(issuedCard(card.uuid, request, d.order.reference, d.outcome, compactDetermination(d), deps, (card.suggestions ?? []).map((x) => x.uuid)));
  }
  return { response: systemActions.length ? { cards, systemActions } : { cards }, issued };
}

/** Technical trouble: every in-scope order gets an indeterminate card and covered=indeterminate. */
function respondIndeterminate(
  request: HookRequest,
  orders: Resource[],
  determinations: Determination[] | undefined,
  record: ResolvedRecord,
  deps: OrderSignDeps,
) {
  const trouble = record.trouble ?? 'the record could not be read';
  const inScope = determinations
    ? determinations.map((d) => ({ reference: d.order.reference, code: { system: d.order.code.system, code: d.order.code.code } }))
    : orders.flatMap((o) => {
        const code = deps.engine.inScopeCode(o);
        return code ? [{ reference: `${o.resourceType}/${o.id}`, code }] : [];
      });
  const cards: Card[] = [];
  const issued: IssuedCard[] = [];
  for (const ref of inScope) {
    // No determination, so no governing policy is known: the card says so, and no coverage
    // information speaks for the payer.
    const card = buildIndeterminateCard(ref, trouble, { uuid: deps.newUuid(), publicBaseUrl: deps.publicBaseUrl });
    cards.push(card);
    issued.push(issuedCard(card.uuid, request, ref.reference, 'indeterminate', null, deps, []));
  }
  return { response: { cards }, issued };
}

function issuedCard(
  uuid: string,
  request: HookRequest,
  orderReference: string,
  outcome: string,
  determination: ReturnType<typeof compactDetermination> | null,
  deps: OrderSignDeps,
  suggestionIds: string[],
): IssuedCard {
  return {
    suggestionIds,
    uuid,
    serviceId: SERVICE_ID,
    hookInstance: request.hookInstance,
    orderReference,
    outcome,
    determination,
    issuedAt: deps.now().toISOString(),
  };
}
