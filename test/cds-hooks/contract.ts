// Contract checks every HTTP test runs on what the service sends back: CDS Hooks 2.0 (discovery,
// card, suggestion, action, link, feedback) and Da Vinci CRD 2.x ext-coverage-information with its
// invariants. Each function returns the list of problems; `expectValid` fails the test on any.
import { expect } from 'vitest';
import { COVERAGE_INFORMATION_URL, COVERED, DOC_NEEDED, INFO_NEEDED, PA_NEEDED } from '../../cds-hooks/coverage-information';

type Json = Record<string, any>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTCOMES = ['not-medically-necessary', 'criteria-not-met', 'documentation-needed', 'criteria-met', 'indeterminate'];
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAbsoluteUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\//.test(v) && URL.canParse(v);
const isNonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

export function expectValid(problems: string[]): void {
  expect(problems, problems.join('\n')).toEqual([]);
}

export function discoveryProblems(body: unknown): string[] {
  const p: string[] = [];
  if (!isObject(body) || !Array.isArray(body.services)) return ['discovery must be { services: [...] }'];
  for (const [i, s] of body.services.entries()) {
    for (const f of ['hook', 'id', 'description'] as const) if (!isNonEmpty(s[f])) p.push(`services[${i}].${f} is required`);
    if (s.prefetch !== undefined) {
      if (!isObject(s.prefetch)) p.push(`services[${i}].prefetch must be an object`);
      for (const [k, t] of Object.entries(s.prefetch ?? {})) {
        if (typeof t !== 'string') p.push(`prefetch.${k} must be a string`);
        // CDS Hooks 2.0 tokens only: context fields and the user tokens.
        for (const m of String(t).matchAll(/\{\{([^}]*)\}\}/g)) {
          if (!/^\s*(context\.[A-Za-z]+|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\s*$/.test(m[1]!)) {
            p.push(`prefetch.${k} uses a token that is not a CDS Hooks 2.0 prefetch token: ${m[0]}`);
          }
        }
      }
    }
  }
  return p;
}

export function operationOutcomeProblems(body: unknown): string[] {
  if (!isObject(body) || body.resourceType !== 'OperationOutcome') return ['body must be an OperationOutcome'];
  if (!Array.isArray(body.issue) || body.issue.length === 0) return ['OperationOutcome.issue must not be empty'];
  const p: string[] = [];
  for (const issue of body.issue) {
    if (!['fatal', 'error', 'warning', 'information'].includes(issue.severity)) p.push('issue.severity invalid');
    if (!isNonEmpty(issue.code)) p.push('issue.code required');
    if (!isNonEmpty(issue.details?.text) && !isNonEmpty(issue.diagnostics)) p.push('issue must say what went wrong');
    if (/\bat .*\.(ts|js):\d+/.test(JSON.stringify(issue))) p.push('issue leaks a stack trace');
  }
  return p;
}

/**
 * CDS Hooks 2.0: "JSON elements SHALL NOT be null … SHALL NOT be empty". The paths of every null,
 * empty string, empty array or empty object in a response (the top-level cards array may be empty).
 */
export function emptyValues(value: unknown, path = ''): string[] {
  if (value === null) return [`${path || '(root)'} is null`];
  if (value === '') return [`${path} is an empty string`];
  if (Array.isArray(value)) {
    if (value.length === 0 && path !== 'cards') return [`${path} is an empty array`];
    return value.flatMap((v, i) => emptyValues(v, `${path}[${i}]`));
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${path} is an empty object`];
    return entries.flatMap(([k, v]) => emptyValues(v, path ? `${path}.${k}` : k));
  }
  return [];
}

export function cdsResponseProblems(body: unknown): string[] {
  if (!isObject(body) || !Array.isArray(body.cards)) return ['response must have a cards array'];
  const p: string[] = [...emptyValues(body)];
  body.cards.forEach((c: Json, i: number) => p.push(...cardProblems(c).map((m) => `cards[${i}]: ${m}`)));
  if (body.systemActions !== undefined) {
    if (!Array.isArray(body.systemActions)) p.push('systemActions must be an array');
    else body.systemActions.forEach((a: Json, i: number) => p.push(...actionProblems(a).map((m) => `systemActions[${i}]: ${m}`)));
    for (const [i, a] of (body.systemActions ?? []).entries()) {
      const ext = (a.resource?.extension ?? []).filter((e: Json) => e.url === COVERAGE_INFORMATION_URL);
      if (a.type !== 'update') p.push(`systemActions[${i}] must be an update`);
      if (ext.length !== 1) p.push(`systemActions[${i}] must carry one ext-coverage-information`);
      else p.push(...coverageInformationProblems(ext[0]).map((m) => `systemActions[${i}]: ${m}`));
    }
  }
  // One coverage-information update per card whose payer's own policy governs a real Coverage, about
  // the card's order and that Coverage; none for the evidence pathway or an indeterminate card.
  const payerCards = body.cards.filter((c: Json) => c.extension?.['medical-necessity']?.policy?.kind === 'payer-policy' && c.extension?.['medical-necessity']?.coverage);
  const cardOrders = payerCards.map((c: Json) => c.extension?.['medical-necessity']?.order?.reference).filter(Boolean).sort();
  for (const c of payerCards) {
    const mn = c.extension['medical-necessity'];
    const action = (body.systemActions ?? []).find((a: Json) => `${a.resource?.resourceType}/${a.resource?.id}` === mn.order.reference);
    const coverage = action?.resource?.extension?.find((e: Json) => e.url === COVERAGE_INFORMATION_URL)?.extension?.find((e: Json) => e.url === 'coverage')?.valueReference?.reference;
    if (action && coverage !== mn.coverage.reference) p.push(`coverage information names ${coverage}, the determination ${mn.coverage.reference}`);
  }
  const actionOrders = (body.systemActions ?? []).map((a: Json) => `${a.resource?.resourceType}/${a.resource?.id}`).sort();
  if (JSON.stringify(cardOrders) !== JSON.stringify(actionOrders)) p.push(`cards (${cardOrders}) and coverage-information updates (${actionOrders}) disagree`);
  return p;
}

export function cardProblems(c: Json): string[] {
  const p: string[] = [];
  if (!UUID.test(c.uuid ?? '')) p.push('uuid must be a uuid');
  if (!isNonEmpty(c.summary)) p.push('summary is required');
  else if (c.summary.length >= 140) p.push(`summary must be under 140 characters (${c.summary.length})`);
  if (!['info', 'warning', 'critical'].includes(c.indicator)) p.push(`indicator ${c.indicator} invalid`);
  if (c.detail !== undefined && typeof c.detail !== 'string') p.push('detail must be markdown text');
  else if (typeof c.detail === 'string' && c.detail.length > 1300) p.push(`detail is ${c.detail.length} characters: a card is read at signing (about 1,200 at most)`);
  if (!isObject(c.source) || !isNonEmpty(c.source.label)) p.push('source.label is required');
  if (c.source?.url !== undefined && !isAbsoluteUrl(c.source.url)) p.push('source.url must be an absolute URL');
  if (c.source?.topic !== undefined && !(isNonEmpty(c.source.topic.code) && isNonEmpty(c.source.topic.system))) p.push('source.topic must be a Coding');
  if (c.suggestions !== undefined) {
    if (!Array.isArray(c.suggestions)) p.push('suggestions must be an array');
    if (!['at-most-one', 'any'].includes(c.selectionBehavior)) p.push('selectionBehavior is required with suggestions');
    for (const s of c.suggestions ?? []) {
      if (!isNonEmpty(s.label)) p.push('suggestion.label is required');
      if (!UUID.test(s.uuid ?? '')) p.push('suggestion.uuid must be a uuid');
      if (!Array.isArray(s.actions) || s.actions.length === 0) p.push('suggestion.actions must not be empty');
      for (const a of s.actions ?? []) p.push(...actionProblems(a));
    }
  }
  for (const r of c.overrideReasons ?? []) if (!isNonEmpty(r.code) || !isNonEmpty(r.system)) p.push('overrideReasons must be Codings');
  for (const l of c.links ?? []) {
    if (!isNonEmpty(l.label)) p.push('link.label is required');
    if (!isAbsoluteUrl(l.url)) p.push(`link.url ${l.url} must be absolute`);
    if (!['absolute', 'smart'].includes(l.type)) p.push(`link.type ${l.type} invalid`);
    if (l.appContext !== undefined && l.type !== 'smart') p.push('appContext only on smart links');
    if (l.type === 'smart' && l.appContext !== undefined) {
      try {
        if (!isNonEmpty(JSON.parse(l.appContext).order)) p.push('smart appContext must name the order');
      } catch {
        p.push('smart appContext must be JSON');
      }
    }
  }
  const mn = c.extension?.['medical-necessity'];
  if (!isObject(mn)) p.push('extension["medical-necessity"] is required');
  else {
    if (!/^(ServiceRequest|MedicationRequest)\/.+/.test(mn.order?.reference ?? '')) p.push('medical-necessity.order must reference the order');
    if (!isNonEmpty(mn.code?.system) || !isNonEmpty(mn.code?.code)) p.push('medical-necessity.code needs system and code');
    if (!OUTCOMES.includes(mn.outcome)) p.push(`medical-necessity.outcome ${mn.outcome} invalid`);
    if (mn.outcome !== 'indeterminate') {
      for (const f of ['id', 'title', 'effective', 'url']) if (!isNonEmpty(mn.policy?.[f])) p.push(`medical-necessity.policy.${f} is required`);
      const expected = ['not-medically-necessary', 'criteria-not-met'].includes(mn.outcome) ? 'warning' : 'info';
      // critical only for patient safety (a safety advisory), never for a coverage outcome alone.
      if (c.indicator !== expected && c.indicator !== 'critical') p.push('indicator does not match the outcome');
      if (mn.policy?.kind === 'clinical-pathway' && /payer policy found/.test(c.source?.label ?? '') === false) p.push('a pathway card must not speak as the payer');
    }
    if (mn.outcome !== 'indeterminate' && !Array.isArray(mn.criteria)) p.push('medical-necessity.criteria must be an array');
    for (const k of mn.criteria ?? []) {
      if (!isNonEmpty(k.id) || !isNonEmpty(k.text)) p.push('criterion needs id and text');
      if (!['met', 'not-met', 'unknown'].includes(k.status)) p.push(`criterion status ${k.status} invalid`);
      if (k.evidence !== undefined && !Array.isArray(k.evidence)) p.push('criterion evidence must be an array');
      if (k.status === 'met' && !k.evidence?.length && !k.byAbsence) p.push(`criterion ${k.id} is met with no evidence`);
    }
  }
  return p;
}

function actionProblems(a: Json): string[] {
  const p: string[] = [];
  if (!['create', 'update', 'delete'].includes(a.type)) p.push(`action.type ${a.type} invalid`);
  if (!isNonEmpty(a.description)) p.push('action.description is required');
  if ((a.type === 'create' || a.type === 'update') && !isNonEmpty(a.resource?.resourceType)) p.push(`${a.type} needs a resource`);
  if (a.type === 'update' && !isNonEmpty(a.resource?.id)) p.push('update needs the resource id');
  if (a.type === 'delete' && !/^[A-Z][A-Za-z]+\/.+/.test(a.resourceId ?? '')) p.push('delete needs resourceId Type/id');
  if (a.resource?.resourceType === 'MedicationRequest' && a.resource.category !== undefined && !Array.isArray(a.resource.category)) {
    p.push('MedicationRequest.category must be an array (R4)');
  }
  return p;
}

/** CRD 2.x ext-coverage-information: cardinalities, bindings, crd-ci-q1..q5. */
export function coverageInformationProblems(ext: Json): string[] {
  const p: string[] = [];
  const subs: Json[] = ext.extension ?? [];
  const all = (url: string) => subs.filter((e) => e.url === url);
  const one = (url: string) => {
    const found = all(url);
    if (found.length !== 1) p.push(`${url} must appear exactly once (found ${found.length})`);
    return found[0];
  };
  const allowed = ['coverage', 'covered', 'pa-needed', 'doc-needed', 'doc-purpose', 'info-needed', 'billingCode', 'reason', 'detail', 'dependency', 'questionnaire', 'response', 'date', 'coverage-assertion-id', 'satisfied-pa-id', 'contact'];
  for (const e of subs) if (!allowed.includes(e.url)) p.push(`unknown sub-extension ${e.url}`);
  if (ext.value !== undefined || Object.keys(ext).some((k) => k.startsWith('value'))) p.push('a complex extension has no value[x]');
  const coverage = one('coverage');
  if (coverage && !(isNonEmpty(coverage.valueReference?.reference) || isNonEmpty(coverage.valueReference?.display))) p.push('coverage needs a valueReference');
  const covered = one('covered')?.valueCode;
  if (covered !== undefined && !(COVERED as readonly string[]).includes(covered)) p.push(`covered ${covered} not in the value set`);
  const pa = all('pa-needed');
  const doc = all('doc-needed');
  if (pa.length > 1 || doc.length > 1) p.push('pa-needed and doc-needed are 0..1');
  if (pa[0] && !(PA_NEEDED as readonly string[]).includes(pa[0].valueCode)) p.push(`pa-needed ${pa[0].valueCode} not in the value set`);
  if (doc[0] && !(DOC_NEEDED as readonly string[]).includes(doc[0].valueCode)) p.push(`doc-needed ${doc[0].valueCode} not in the value set`);
  for (const i of all('info-needed')) if (!(INFO_NEEDED as readonly string[]).includes(i.valueCode)) p.push(`info-needed ${i.valueCode} not in the value set`);
  for (const r of all('reason')) if (!isObject(r.valueCodeableConcept)) p.push('reason must be a CodeableConcept');
  const date = one('date');
  if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date.valueDate ?? '')) p.push('date must be a valueDate');
  const id = one('coverage-assertion-id');
  if (id && !isNonEmpty(id.valueString)) p.push('coverage-assertion-id must be a valueString');
  // crd-ci-q1
  if (all('questionnaire').length && !doc.length) p.push('crd-ci-q1: questionnaire requires doc-needed');
  // crd-ci-q2
  if (covered === 'not-covered' && pa.length) p.push('crd-ci-q2: not-covered must not carry pa-needed');
  // crd-ci-q3
  const conditional = [covered, pa[0]?.valueCode, doc[0]?.valueCode].includes('conditional');
  if (conditional !== all('info-needed').length > 0) p.push('crd-ci-q3: info-needed exists if and only if something is conditional');
  // crd-ci-q4
  if (pa[0]?.valueCode === 'satisfied' && all('doc-purpose').some((d) => d.valueCode === 'withpa')) p.push('crd-ci-q4');
  // crd-ci-q5
  if ((pa[0]?.valueCode === 'satisfied') !== all('satisfied-pa-id').length > 0) p.push('crd-ci-q5: satisfied-pa-id iff pa-needed satisfied');
  return p;
}

export function feedbackAckProblems(status: number, body: unknown): string[] {
  return status === 200 && isObject(body) ? [] : [`feedback must be acknowledged with 200 (got ${status})`];
}
