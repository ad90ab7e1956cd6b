// The pipeline, end to end: resources → records → in-scope orders → per order: governing policy,
// facts, criteria, order-level checks, advisories → one Determination. Pure: no I/O, no clock
// except "today" when neither the caller nor the order gives a date.
import { today } from './dates';
import { evaluateTree } from './evaluate';
import { factReader, type FactContext } from './facts';
import type { PolicyLibrary } from './library';
import type { Advisory, Alternative, CodeRule, CriterionResult, Determination, EvaluationOptions, Finding, Outcome, Policy, PolicyRef, RuleKey, Status } from './model';
import { findOrders, type OrderInfo } from './orders';
import { extractRecords, type Records } from './records';
import { runChecks } from './checks';
import { selectPolicy } from './select-policy';

const OUTCOME_PHRASE: Record<Outcome, string> = {
  'not-medically-necessary': 'not medically necessary',
  'criteria-not-met': 'does not meet the criteria',
  'documentation-needed': 'needs documentation',
  'criteria-met': 'meets the criteria',
};

const phrase = (outcome: Outcome, policy: Policy): string =>
  outcome === 'not-medically-necessary' && policy.outcomeWording ? policy.outcomeWording : OUTCOME_PHRASE[outcome];

const claim = (text: string, c: { verified: boolean; citation: string }): string =>
  c.verified ? text : `${text} (per summaries of ${c.citation}; not verified against the published text)`;

/** The injections a J1100 dexamethasone order can belong to, in order of preference. */
const INJECTION_KEYS: RuleKey[] = ['27096', 'G0260', '64451', '64625', '64999:coccygeal', '64999:neurectomy', '64772'];

function advisoriesFor(lib: PolicyLibrary, key: RuleKey, read: ReturnType<typeof factReader>): { advisories: Advisory[]; notes: string[] } {
  const advisories: Advisory[] = [];
  const notes: string[] = [];
  for (const a of lib.advisories) {
    if (!a.appliesTo.includes(key)) continue;
    const r = evaluateTree(a.when, a.criteria, read);
    const base = { id: a.id, title: a.title, text: claim(a.text, a), url: a.url, citation: a.citation, confidence: a.confidence, verified: a.verified };
    if (r.status === 'met') advisories.push({ ...base, basis: `Applies: ${r.results.map((x) => x.summary).join('; ')}.` });
    else if (r.status === 'unknown') {
      const unknown = r.results.filter((x) => x.status === 'unknown').map((x) => x.summary);
      advisories.push({ ...base, basis: `May apply; the record does not establish: ${unknown.join('; ')}.` });
    } else {
      const exception = r.results.filter((x) => x.status === 'not-met').map((x) => x.summary);
      notes.push(`${a.title} not shown: an exception holds (${exception.join('; ')}).`);
    }
  }
  return { advisories, notes };
}

interface RuleResult {
  outcome: Outcome;
  criteria: CriterionResult[];
  reasons: string[];
  missing: string[];
  notes: string[];
}

function applyRule(policy: Policy, ref: PolicyRef, key: RuleKey, rule: CodeRule, read: ReturnType<typeof factReader>): RuleResult {
  const criteria: CriterionResult[] = [];
  const reasons: string[] = [];
  const missing: string[] = [];
  const notes = [...(rule.notes ?? [])];

  if (rule.delegation) {
    const d = rule.delegation;
    criteria.push({
      id: `${policy.id}-${key}-delegated`,
      text: `Meets ${d.to} guideline ${d.guideline}`,
      status: 'unknown',
      evidence: [],
      summary: `${ref.shortName} delegates ${key} to ${d.to}; this product does not apply ${d.guideline}.`,
      citation: d.citation,
      confidence: d.confidence,
      verified: d.verified,
      missing: `Request review by ${d.to} under ${d.guideline}`,
    });
    return { outcome: 'documentation-needed', criteria, reasons: [claim(d.reason, d)], missing: [`Request review by ${d.to} under ${d.guideline}`], notes };
  }

  let excluded: Status | undefined;
  if (rule.exclusion) {
    const x = rule.exclusion;
    const when = x.when ? evaluateTree(x.when, policy.criteria, read) : undefined;
    excluded = when ? when.status : 'met';
    if (excluded === 'met') {
      const because = when ? ` Applies because: ${when.results.map((r) => r.summary).join('; ')}.` : '';
      criteria.push({
        id: `${policy.id}-${key}-excluded`,
        text: `${ref.shortName} does not exclude ${key}`,
        status: 'not-met',
        evidence: when?.results.flatMap((r) => r.evidence) ?? [],
        summary: `${x.reason}${because}`,
        citation: x.citation,
        confidence: x.confidence,
        verified: x.verified,
      });
      reasons.push(claim(x.reason, x));
    } else if (excluded === 'unknown') {
      const unknown = when!.results.filter((r) => r.status === 'unknown');
      notes.push(`Whether "${x.reason}" applies cannot be established: ${unknown.map((u) => u.summary).join('; ')}.`);
      missing.push(...unknown.map((u) => u.missing!).filter(Boolean));
    }
  }

  let status: Status | undefined;
  if (rule.criteria) {
    const tree = evaluateTree(rule.criteria, policy.criteria, read);
    status = tree.status;
    for (const r of tree.results) if (!criteria.some((c) => c.id === r.id)) criteria.push(r);
  }

  let outcome: Outcome;
  if (excluded === 'met') outcome = 'not-medically-necessary';
  else if (status === 'not-met') outcome = 'criteria-not-met';
  else if (status === 'unknown' || excluded === 'unknown') outcome = 'documentation-needed';
  else outcome = 'criteria-met';

  const notMet = criteria.filter((c) => c.status === 'not-met' && !c.id.endsWith('-excluded'));
  const unknown = criteria.filter((c) => c.status === 'unknown');
  reasons.push(...notMet.map((c) => claim(`Not met: ${c.text} — ${c.failure ? `${c.failure}. ` : ''}${c.summary}.`, c)));
  if (outcome !== 'not-medically-necessary' && outcome !== 'criteria-met') {
    reasons.push(...unknown.map((c) => `Not established: ${c.text} — ${c.summary}.`));
  }
  if (outcome !== 'criteria-met') missing.push(...unknown.map((c) => c.missing!).filter(Boolean));
  if (outcome === 'criteria-met') reasons.push(`All ${criteria.length} criteria met.`);
  return { outcome, criteria, reasons, missing, notes };
}

function determineOrder(lib: PolicyLibrary, records: Records, order: OrderInfo, orders: OrderInfo[], asOfOption?: string): Determination {
  const asOf = asOfOption ?? order.ref.authoredOn ?? today();
  const selection = selectPolicy(lib, records, order, asOf);
  const { policy } = selection;
  const ref = selection.choice.policy;
  const key = order.ref.ruleKey;
  const rule = policy.codes[key]!; // selectPolicy only returns a payer policy that addresses the key; the pathway addresses all
  const ctx: FactContext = { lib, records, order, orders, asOf };
  const read = factReader(ctx);

  const result = applyRule(policy, ref, key, rule, read);
  const { findings, alternatives: checkAlternatives } = runChecks(lib, ctx, read);
  const { advisories, notes: advisoryNotes } = advisoriesFor(lib, key, read);

  let outcome = result.outcome;
  const missing = [...result.missing];
  const mismatch = findings.find((f) => f.id === 'diagnosis-procedure-mismatch');
  if (mismatch && outcome === 'criteria-met') {
    // A coding mismatch keeps an otherwise complete request from being approvable as written.
    outcome = 'documentation-needed';
    missing.push('An order diagnosis naming the sacroiliac joint or sacral region as the pain generator');
  }
  const reasons = [...result.reasons.slice(0, outcome === 'not-medically-necessary' ? 1 : undefined), ...findings.map((f: Finding) => f.text)];
  if (outcome === 'not-medically-necessary') reasons.push(...result.reasons.slice(1));

  const alternatives: Alternative[] = [];
  // An approvable order needs no alternative; otherwise offer those whose conditions the record meets.
  const offered = outcome === 'criteria-met' ? [] : (rule.alternative ?? []).filter((a) => !a.when || evaluateTree(a.when, policy.criteria, read).status === 'met');
  for (const a of [...offered, ...checkAlternatives]) if (!alternatives.some((x) => x.id === a.id)) alternatives.push(a);

  return {
    order: order.ref,
    code: { system: order.ref.code.system, code: order.ref.code.code },
    outcome,
    summary: `${order.ref.code.code} ${phrase(outcome, policy)} under ${ref.shortName}`,
    policy: ref,
    policyChoice: selection.choice,
    reasons,
    criteria: result.criteria,
    findings,
    missing: [...new Set(missing)],
    alternatives,
    advisories,
    notes: [...result.notes, ...advisoryNotes],
    asOf,
  };
}

const FOLLOW_STATUS: Record<Outcome, Status> = {
  'not-medically-necessary': 'not-met',
  'criteria-not-met': 'not-met',
  'documentation-needed': 'unknown',
  'criteria-met': 'met',
};

/** J1100 follows the injection it belongs to (seed 002): same policy, same outcome, its own advisories. */
function followInjection(lib: PolicyLibrary, records: Records, j: OrderInfo, orders: OrderInfo[], injection: Determination, asOf?: string): Determination {
  const read = factReader({ lib, records, order: j, orders, asOf: asOf ?? injection.asOf });
  const { advisories, notes } = advisoriesFor(lib, 'J1100', read);
  const inj = injection.order;
  return {
    ...injection,
    order: j.ref,
    code: { system: j.ref.code.system, code: j.ref.code.code },
    // A drug cannot be replaced by the injection's alternative order: keep the advice, drop the action.
    alternatives: injection.alternatives.map(({ action, ...a }) => (action?.kind === 'replace-order' ? a : { ...a, action })),
    summary: `J1100 follows ${inj.code.code}: ${injection.summary.replace(/^\S+ /, '')}`,
    criteria: [
      {
        id: 'j1100-follows-injection',
        text: `Dexamethasone (J1100) is judged with the injection it accompanies (${inj.code.code}, ${inj.reference})`,
        status: FOLLOW_STATUS[injection.outcome],
        evidence: [{ reference: inj.reference, resourceType: inj.resourceType, date: inj.authoredOn, code: inj.code, value: injection.outcome, path: 'ServiceRequest.code' }],
        summary: injection.summary,
        citation: 'Seed 002 (J1100 dexamethasone with SIJ RFA); DOMAIN.md §1',
        confidence: 'S',
        verified: true,
      },
      ...injection.criteria,
    ],
    reasons: [`Dexamethasone (J1100) follows the ${inj.code.code} it accompanies: ${injection.summary}.`, ...injection.reasons],
    advisories,
    notes: [...injection.notes.filter((n) => !advisories.some((a) => n.startsWith(a.title))), ...notes],
  };
}

/** One Determination per in-scope order (the given orders, or the record's draft/active ServiceRequests). */
export function determine(lib: PolicyLibrary, resources: readonly unknown[], options: EvaluationOptions = {}): Determination[] {
  const list = Array.isArray(resources) ? resources : [];
  const records = extractRecords(lib, [...list, ...(options.orders ?? [])]);
  // Every in-scope order is judged (J1100 needs its injection, and one-modality rules need the set);
  // `codes` only narrows what is returned.
  const orders = findOrders(lib, options.orders ?? list, records, { fromRecord: !options.orders });
  const wanted = (o: OrderInfo) => !options.codes?.length || options.codes.includes(o.ref.code.code);
  const done = new Map<OrderInfo, Determination>();
  for (const o of orders) if (o.ref.ruleKey !== 'J1100') done.set(o, determineOrder(lib, records, o, orders, options.asOf));
  for (const j of orders.filter((o) => o.ref.ruleKey === 'J1100')) {
    const injection = INJECTION_KEYS.map((k) => [...done.values()].find((d) => d.order.ruleKey === k)).find(Boolean);
    // J1100 alone is a drug, not a sacral procedure: without its injection there is nothing to judge.
    if (injection) done.set(j, followInjection(lib, records, j, orders, injection, options.asOf));
  }
  return orders.filter(wanted).map((o) => done.get(o)).filter((d): d is Determination => d !== undefined);
}
