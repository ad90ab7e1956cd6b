// The pipeline, end to end: resources → records (extraction, relief, sessions) → in-scope orders →
// per order: governing policy and Coverage, facts, criteria, order-level checks, advisories → one
// Determination. Pure: no I/O; "today" comes from the caller or, failing that, the clock.
import { today as clockToday } from './dates';
import { evaluateTree } from './evaluate';
import { factReader, type FactReader } from './facts';
import type { Advisory, Alternative, CodeRule, CriterionResult, Determination, EvaluationOptions, Flag, Outcome, Policy, PolicyLibrary, PolicyRef, RuleKey, Status } from './model';
import { findOrders, readOrder, type OrderInfo } from './orders';
import { extractRecords, type Records } from './records';
import { attachRelief } from './relief';
import { runChecks } from './checks';
import { selectPolicy } from './select-policy';
import { evidenceOf } from './evidence';
import { unknownFacts } from './questionnaire';

const OUTCOME_PHRASE: Record<Outcome, string> = {
  'not-medically-necessary': 'not medically necessary',
  'criteria-not-met': 'does not meet the criteria',
  'documentation-needed': 'needs documentation',
  'criteria-met': 'meets the criteria',
};

const phrase = (outcome: Outcome, policy: Policy): string =>
  outcome === 'not-medically-necessary' && policy.outcomeWording ? policy.outcomeWording : OUTCOME_PHRASE[outcome];

/** CDS Hooks 2.0: a card summary is under 140 characters; the Determination's summary is written to fit. */
export const SUMMARY_MAX = 139;

function summaryOf(code: string, outcome: Outcome, policy: Policy, ref: PolicyRef): string {
  for (const words of [phrase(outcome, policy), OUTCOME_PHRASE[outcome]]) {
    const text = `${code} ${words} under ${ref.shortName}`;
    if (text.length <= SUMMARY_MAX) return text;
  }
  const text = `${code} ${OUTCOME_PHRASE[outcome]} under ${ref.shortName}`;
  const cut = text.slice(0, SUMMARY_MAX - 1);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

const claim = (text: string, c: { verified: boolean; citation: string }): string =>
  c.verified ? text : `${text} (per summaries of ${c.citation}; not verified against the published text)`;

function advisoriesFor(lib: PolicyLibrary, key: RuleKey, read: FactReader): { advisories: Advisory[]; notes: string[] } {
  const advisories: Advisory[] = [];
  const notes: string[] = [];
  for (const a of lib.advisories) {
    if (!a.appliesTo.includes(key)) continue;
    const r = evaluateTree(a.when, a.criteria, read);
    const base = { id: a.id, title: a.title, text: claim(a.text, a), url: a.url, citation: a.citation, confidence: a.confidence, verified: a.verified, ...(a.safety ? { safety: true } : {}) };
    if (r.status === 'met') advisories.push({ ...base, basis: `Applies: ${r.results.map((x) => x.summary).join('; ')}.` });
    else if (r.status === 'unknown') {
      if (a.showWhenUnknown === false) continue;
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

function applyRule(policy: Policy, ref: PolicyRef, key: RuleKey, code: string, rule: CodeRule, read: FactReader): RuleResult {
  const criteria: CriterionResult[] = [];
  const reasons: string[] = [];
  const missing: string[] = [];
  const notes = [...(rule.notes ?? [])];

  if (rule.delegation) {
    const d = rule.delegation;
    const ask = `Request review by ${d.to} under ${d.guideline}`;
    criteria.push({
      id: `${policy.id}-${key}-delegated`,
      text: `Meets ${d.to} guideline ${d.guideline}`,
      status: 'unknown',
      evidence: [],
      summary: `${ref.shortName} delegates ${code} to ${d.to}; this product does not apply ${d.guideline}.`,
      citation: d.citation,
      confidence: d.confidence,
      verified: d.verified,
      missing: ask,
    });
    return { outcome: 'documentation-needed', criteria, reasons: [claim(d.reason, d)], missing: [ask], notes };
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
        text: `${ref.shortName} covers ${code} for this patient`,
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

  const notMet = criteria.filter((c) => c.status === 'not-met' && !c.id.endsWith('-excluded') && !c.gate);
  const unknown = criteria.filter((c) => c.status === 'unknown');
  reasons.push(...notMet.map((c) => claim(`Not met: ${c.text}: ${c.failure ? `${c.failure}. ` : ''}${c.summary}.`, c)));
  if (outcome !== 'not-medically-necessary' && outcome !== 'criteria-met') {
    reasons.push(...unknown.map((c) => `Not established: ${c.text}: ${c.summary}.`));
  }
  if (outcome !== 'criteria-met') missing.push(...unknown.map((c) => c.missing!).filter(Boolean));

  // A partly encoded rule can never approve: what it does not encode must be checked against the policy.
  if (outcome === 'criteria-met' && !rule.complete) {
    outcome = 'documentation-needed';
    reasons.push(`Every criterion the product encodes for ${code} under ${ref.shortName} is met, but the product encodes only part of the policy's rule, so it cannot say the criteria are met.`);
    missing.push(...(rule.unencoded ?? []).map((u) => `Check against ${ref.shortName}: ${u}`));
  } else if (outcome === 'criteria-met') reasons.push(`All ${criteria.filter((c) => !c.gate).length} criteria met.`);
  return { outcome, criteria, reasons, missing, notes };
}

interface Context {
  lib: PolicyLibrary;
  records: Records;
  orders: OrderInfo[];
  today: string;
  asOfOption?: string;
  /** The fact reader behind each determination made, for the documentation questionnaire. */
  readers: Map<Determination, FactReader>;
}

/** Answers that differ from the record's entries: the record stands, and each one is shown (criteria/answers.ts). */
function conflictFlags(criteria: CriterionResult[], read: FactReader): Flag[] {
  const facts = [...new Set(criteria.map((c) => c.fact).filter((f): f is string => !!f))];
  return facts.flatMap((id) => {
    const c = read(id).conflict;
    return c ? [{ id: 'answer-conflicts-with-record', text: c.text, evidence: c.evidence }] : [];
  });
}

function dates(ctx: Context, order: OrderInfo): { asOf: string; dateOfService: string; flags: Flag[] } {
  const authored = order.ref.authoredOn;
  const flags: Flag[] = [];
  let asOf = ctx.asOfOption ?? authored ?? ctx.today;
  if (!ctx.asOfOption && authored && authored > ctx.today) {
    asOf = ctx.today;
    flags.push({
      id: 'order-dated-in-future',
      text: `The order is dated ${authored}, after today (${ctx.today}): it is judged as of today, on the record as it stands.`,
      evidence: [{ reference: order.ref.reference, resourceType: order.ref.resourceType, date: authored, code: order.ref.code, path: 'authoredOn', value: authored }],
    });
  }
  return { asOf, dateOfService: order.ref.occurrence ?? asOf, flags };
}

function deletedCodeFlags(lib: PolicyLibrary, records: Records, order: OrderInfo): Flag[] {
  const vs = lib.valueSet(lib.reading.deletedCodesValueSet);
  // The order's own reason (reasonCode) is read too: "M54.5" on the order is as stale as on the problem list.
  const onOrder: Flag[] = order.reasonCodes.flatMap((code) => {
    const coding = vs.match(code)?.coding;
    return coding
      ? [
          {
            id: 'deleted-code',
            text: `The order's reason is coded ${coding.code}${coding.display ? ` (${coding.display})` : ''}, a code deleted from ${vs.title.replace(/^Codes deleted from /i, '')}: it is read as written, but the order should carry a current code.`,
            evidence: [{ reference: order.ref.reference, resourceType: order.ref.resourceType, date: order.ref.authoredOn, code: coding, path: 'reasonCode', value: coding.code, note: 'deleted code' }],
            citation: vs.title,
          },
        ]
      : [];
  });
  return [...onOrder, ...records.deleted.map(({ rec, coding }) => ({
    id: 'deleted-code',
    text: `${rec.resourceType === 'Condition' ? 'A diagnosis' : 'An entry'} in the record${rec.date ? ` dated ${rec.date}` : ''} is coded ${coding.code}${coding.display ? ` (${coding.display})` : ''}, a code deleted from ${vs.title.replace(/^Codes deleted from /i, '')}: it is read as written, but the record should carry a current code.`,
    evidence: [evidenceOf(rec, 'conditionCode', { note: 'deleted code' })],
    citation: vs.title,
  }))];
}

/**
 * Each alternative that orders a procedure the engine decides on is judged by the same engine, on the
 * same record, as the order it would be (in place of this one, for a replacement): the product offers
 * it as a suggestion only when that comes out criteria-met or documentation-needed, and as advice
 * otherwise. Other alternatives (a therapy referral, radiographs) are care no policy here refuses.
 */
function assessAlternatives(ctx: Context, order: OrderInfo, alternatives: Alternative[], depth: number): Alternative[] {
  return alternatives.map((a) => {
    if (!a.action) return a;
    const trigger = ctx.lib.triggers.byCode.get(a.action.code.code.toUpperCase());
    if (!trigger || !trigger.resourceTypes.includes('ServiceRequest') || depth > 0) return { ...a, actionable: true };
    const r = order.resource;
    const hypothetical: Record<string, unknown> = {
      resourceType: 'ServiceRequest',
      id: `${String(r.id ?? 'order')}-alternative-${a.id}`,
      status: 'draft',
      intent: 'order',
      subject: r.subject,
      authoredOn: r.authoredOn,
      code: { coding: [a.action.code], text: a.action.code.display },
      ...Object.fromEntries(['reasonCode', 'reasonReference', 'insurance', 'locationReference', 'occurrenceDateTime'].filter((k) => r[k] !== undefined).map((k) => [k, r[k]])),
    };
    const alternativeOrder = readOrder(ctx.lib, hypothetical, ctx.records, true);
    if (!alternativeOrder) return { ...a, actionable: true };
    const others = ctx.orders.filter((o) => o !== order || a.action!.kind === 'add-order');
    const d = determineOrder({ ...ctx, orders: [...others, alternativeOrder] }, alternativeOrder, depth + 1);
    return {
      ...a,
      assessment: { outcome: d.outcome, summary: d.summary, policy: d.policy.shortName, policyKind: d.policy.kind },
      actionable: d.outcome === 'criteria-met' || d.outcome === 'documentation-needed',
    };
  });
}

function determineOrder(ctx: Context, order: OrderInfo, depth = 0): Determination {
  const { lib, records, orders } = ctx;
  const { asOf, dateOfService, flags } = dates(ctx, order);
  const selection = selectPolicy(lib, records, order, dateOfService);
  const { policy } = selection;
  const ref = selection.choice.policy;
  const key = order.ref.ruleKey;
  const rule = policy.codes[key]!; // selectPolicy only returns a payer policy that addresses the key; the pathway addresses all
  const read = factReader({ lib, records, order, orders, asOf, answerCutoff: ctx.asOfOption ?? ctx.today });

  const result = applyRule(policy, ref, key, order.ref.code.code, rule, read);
  const checks = runChecks(lib, key, read);
  const { advisories, notes: advisoryNotes } = advisoriesFor(lib, key, read);

  let outcome = result.outcome;
  const missing = [...result.missing];
  for (const d of checks.downgrades) {
    if (outcome !== d.from) continue;
    // A finding such as a coding mismatch keeps an otherwise complete request from being approvable as written.
    outcome = d.to;
    missing.push(d.missing);
  }
  const reasons = [...result.reasons.slice(0, outcome === 'not-medically-necessary' ? 1 : undefined), ...checks.findings.map((f) => f.text)];
  if (outcome === 'not-medically-necessary') reasons.push(...result.reasons.slice(1));
  if (selection.undetermined && outcome !== 'documentation-needed') {
    // The pathway stands in for a policy the record does not let us name: its reading is shown, but it
    // cannot decide (a Medicare patient in an LCD state would be judged under the LCD).
    reasons.unshift(`Which policy governs cannot be established from the record, so the evidence pathway's reading (${OUTCOME_PHRASE[outcome]}) cannot decide this order. ${selection.choice.reason}`);
    outcome = 'documentation-needed';
    missing.unshift(selection.undetermined);
  }

  const alternatives: Alternative[] = [];
  // An approvable order needs no alternative; otherwise offer those whose conditions the record meets.
  const offered = outcome === 'criteria-met' ? [] : (rule.alternative ?? []).filter((a) => !a.when || evaluateTree(a.when, policy.criteria, read).status === 'met');
  for (const a of assessAlternatives(ctx, order, [...offered, ...checks.alternatives], depth)) if (!alternatives.some((x) => x.id === a.id)) alternatives.push(a);

  const determination: Determination = {
    order: order.ref,
    code: { system: order.ref.code.system, code: order.ref.code.code },
    outcome,
    summary: summaryOf(order.ref.code.code, outcome, policy, ref),
    policy: ref,
    policyChoice: selection.choice,
    ...(selection.coverage ? { coverage: selection.coverage } : {}),
    reasons,
    criteria: result.criteria,
    findings: checks.findings,
    flags: [...flags, ...deletedCodeFlags(lib, records, order), ...conflictFlags(result.criteria, read)],
    missing: [...new Set(missing)],
    alternatives,
    advisories,
    notes: [...result.notes, ...advisoryNotes],
    asOf,
    dateOfService,
  };
  if (outcome === 'documentation-needed') {
    const questions = unknownFacts(lib, determination, read);
    if (questions.length) determination.questions = questions;
  }
  ctx.readers.set(determination, read);
  return determination;
}

/** "J1100 follows 64625: not medically necessary under …", still under 140 characters. */
function followSummary(code: string, injection: Determination): string {
  const text = `${code} follows ${injection.order.code.code}: ${injection.summary.replace(/^\S+ /, '')}`;
  if (text.length <= SUMMARY_MAX) return text;
  const cut = text.slice(0, SUMMARY_MAX - 1);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

const FOLLOW_STATUS: Record<Outcome, Status> = {
  'not-medically-necessary': 'not-met',
  'criteria-not-met': 'not-met',
  'documentation-needed': 'unknown',
  'criteria-met': 'met',
};

/** A drug that follows its injection (J1100): same policy, same outcome, its own advisories. */
function followInjection(ctx: Context, j: OrderInfo, injection: Determination): Determination {
  const read = factReader({ lib: ctx.lib, records: ctx.records, order: j, orders: ctx.orders, asOf: injection.asOf, answerCutoff: ctx.asOfOption ?? ctx.today });
  const { advisories, notes } = advisoriesFor(ctx.lib, j.ref.ruleKey, read);
  const inj = injection.order;
  const basis = j.trigger.follows!;
  return {
    ...injection,
    order: j.ref,
    code: { system: j.ref.code.system, code: j.ref.code.code },
    // A drug cannot be replaced by the injection's alternative order: keep the advice, drop the action.
    alternatives: injection.alternatives.map(({ action, ...a }) => (action?.kind === 'replace-order' ? a : { ...a, ...(action ? { action } : {}) })),
    summary: followSummary(j.ref.code.code, injection),
    criteria: [
      {
        id: `${j.ref.code.code.toLowerCase()}-follows-injection`,
        text: `${j.trigger.title} is judged with the ${inj.code.code} it accompanies`,
        status: FOLLOW_STATUS[injection.outcome],
        evidence: [{ reference: inj.reference, resourceType: inj.resourceType, date: inj.authoredOn, code: inj.code, value: injection.outcome, path: 'ServiceRequest.code' }],
        summary: injection.summary,
        citation: basis.citation,
        confidence: basis.confidence,
        verified: basis.confidence !== 'U',
      },
      ...injection.criteria,
    ],
    reasons: [`${j.trigger.title} follows the ${inj.code.code} it accompanies: ${injection.summary}.`, ...injection.reasons],
    advisories,
    notes: [...injection.notes.filter((n) => !advisories.some((a) => n.startsWith(a.title))), ...notes],
  };
}

/** One Determination per in-scope order being signed (the given orders, or the record's draft/active orders). */
export function determine(lib: PolicyLibrary, resources: readonly unknown[], options: EvaluationOptions = {}): Determination[] {
  return determineWithFacts(lib, resources, options).map((x) => x.determination);
}

/**
 * The same determinations, each with the fact reader it was judged with: what the documentation
 * questionnaire asks (criteria/questionnaire.ts) and prefills comes from these facts.
 */
export function determineWithFacts(lib: PolicyLibrary, resources: readonly unknown[], options: EvaluationOptions = {}): { determination: Determination; facts: FactReader }[] {
  const list = Array.isArray(resources) ? resources : [];
  const given = Array.isArray(options.orders) ? options.orders : undefined;
  const drafts = Array.isArray(options.responses) ? options.responses : [];
  const records = extractRecords(lib, [...list, ...(given ?? []), ...drafts], new Set(drafts));
  attachRelief(lib, records);
  const orders = findOrders(lib, given, records, list);
  const ctx: Context = { lib, records, orders, today: options.today ?? clockToday(), asOfOption: options.asOf, readers: new Map() };
  const wanted = (o: OrderInfo) => o.signing && (!options.codes?.length || options.codes.includes(o.ref.code.code));
  const done = new Map<string, Determination>();
  const judge = (o: OrderInfo): Determination => {
    let d = done.get(o.ref.reference);
    if (!d) done.set(o.ref.reference, (d = determineOrder(ctx, o)));
    return d;
  };
  const out: Determination[] = [];
  for (const o of orders.filter(wanted)) {
    if (!o.trigger.follows) {
      out.push(judge(o));
      continue;
    }
    // The procedure a drug follows: among the orders being signed first, then the record's open orders.
    const ruleKeys = o.trigger.follows.ruleKeys;
    const candidates = [...orders.filter((x) => x.signing), ...orders.filter((x) => !x.signing)];
    const injection = ruleKeys.map((k) => candidates.find((x) => x.ref.ruleKey === k)).find((x): x is OrderInfo => x !== undefined);
    // Without the procedure it belongs to, the drug alone is not a sacral procedure: nothing to judge.
    if (injection) {
      const inj = judge(injection);
      const followed = followInjection(ctx, o, inj);
      ctx.readers.set(followed, ctx.readers.get(inj)!);
      out.push(followed);
    }
  }
  return out.map((determination) => ({ determination, facts: ctx.readers.get(determination)! }));
}
