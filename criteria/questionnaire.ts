// Questions from facts: the documentation questionnaire for a determination (Da Vinci DTR 2.1, SDC).
// For a determination that needs documentation, one question per fact the record leaves unknown,
// with the question text and answer type from the fact catalogue (criteria/facts/*.json); each
// question sits in a group that names the criteria reading the fact and their citations, and is
// enabled only while the branch it belongs to applies (SDC enableWhen on the branch's gate). The
// questionnaire is identified by its policy, rule and the set of facts it asks, and versioned with
// the policy (its effective date): the canonical alone rebuilds it, so the $questionnaire-package
// operation needs no patient data. What the record already has travels as prefill in the draft
// QuestionnaireResponse (computed values, DTR information-origin "auto"), never in the Questionnaire.
// Pure: no I/O.
import { DTR, OWN_QUESTIONNAIRE, QUESTIONNAIRE_ID_PREFIX } from './dtr-profiles';
import { evaluateCriterion } from './evaluate';
import type { CodeRule, CriteriaTree, CriterionSpec, Determination, Fact, FactSpec, FactValue, Policy, PolicyLibrary, PolicyRef } from './model';

export { DTR, OWN_QUESTIONNAIRE, QUESTIONNAIRE_ID_PREFIX };
type FactReader = (id: string) => Fact;

const EXT = {
  unit: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit',
  minValue: 'http://hl7.org/fhir/StructureDefinition/minValue',
  maxValue: 'http://hl7.org/fhir/StructureDefinition/maxValue',
  supportLink: 'http://hl7.org/fhir/StructureDefinition/questionnaire-supportLink',
} as const;

type Json = Record<string, unknown>;

/** One fact the rule reads, with the criteria that read it and the gates its branch hangs on. */
export interface RuleFact {
  fact: string;
  criteria: CriterionSpec[];
  /** Each place the fact is read: the innermost gate it sits under (undefined: read unconditionally). */
  gates: (CriterionSpec | undefined)[];
}

/** The facts a rule reads, in the order the policy states them (exclusion first, then the criteria tree). */
export function ruleFacts(policy: Policy, rule: CodeRule): RuleFact[] {
  const out = new Map<string, RuleFact>();
  const add = (id: string, gate: CriterionSpec | undefined) => {
    const spec = policy.criteria[id];
    if (!spec) return;
    let f = out.get(spec.fact);
    if (!f) out.set(spec.fact, (f = { fact: spec.fact, criteria: [], gates: [] }));
    if (!f.criteria.some((c) => c.id === spec.id)) f.criteria.push(spec);
    f.gates.push(gate);
  };
  const walk = (t: CriteriaTree | undefined, gate: CriterionSpec | undefined): void => {
    if (t === undefined) return;
    if (typeof t === 'string') return add(t, gate);
    if ('if' in t) {
      add(t.if, gate);
      return walk(t.then, policy.criteria[t.if]);
    }
    for (const k of 'all' in t ? t.all : t.any) walk(k, gate);
  };
  walk(rule.exclusion?.when, undefined);
  walk(rule.criteria, undefined);
  return [...out.values()];
}

/** Whether a fact can be answered at all: a bespoke fact reads the order itself (its words, the orders signed with it). */
export const answerable = (spec: FactSpec | undefined): boolean => !!spec && spec.kind !== 'bespoke';

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Which of the rule's facts are asked, as hex (bit i = the rule's i-th fact), so the canonical alone rebuilds the form. */
function maskOf(all: RuleFact[], asked: Set<string>): string {
  let hex = '';
  for (let i = 0; i < all.length; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4 && i + b < all.length; b++) if (asked.has(all[i + b]!.fact)) nibble |= 1 << b;
    hex = nibble.toString(16) + hex;
  }
  return hex || '0';
}
function unmask(all: RuleFact[], mask: string): Set<string> | undefined {
  if (!/^[0-9a-f]+$/.test(mask) || mask.length > Math.ceil(all.length / 4) + 1) return undefined;
  const asked = new Set<string>();
  const digits = [...mask].reverse();
  all.forEach((f, i) => {
    const nibble = parseInt(digits[Math.floor(i / 4)] ?? '0', 16);
    if (nibble & (1 << (i % 4))) asked.add(f.fact);
  });
  return asked;
}

/**
 * Four hex digits naming the rule's list of facts and their answer types: the mask's bits mean those
 * facts in that order, so a library change to the list makes a new id (an old canonical then no longer
 * resolves, rather than decoding to other questions).
 */
function listHash(lib: PolicyLibrary, all: RuleFact[]): string {
  let h = 0x811c9dc5;
  for (const ch of all.map((f) => `${f.fact}:${lib.facts.get(f.fact)?.question.answerType}`).join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h & 0xffff).toString(16).padStart(4, '0');
}

/** The library's policy behind a determination's PolicyRef (a jurisdiction variant names its LCD). */
export function policyOf(lib: PolicyLibrary, ref: Pick<PolicyRef, 'id' | 'effective'>): Policy | undefined {
  return [...lib.policies, lib.pathway].find((p) => p.effective === ref.effective && (p.id === ref.id || p.jurisdictions?.some((j) => j.id === ref.id)));
}

export interface QuestionnaireOptions {
  /** Where the product's questionnaires live: canonical = `${canonicalBase}/Questionnaire/${id}`. */
  canonicalBase: string;
}

export interface QuestionnaireRequest {
  policy: Policy;
  /** The id the determination names the policy by (an LCD's jurisdiction variant, e.g. L39383). */
  policyId: string;
  ruleKey: string;
  /** The facts to ask; absent: every answerable fact of the rule (the form a payer hands out without a record). */
  facts?: Iterable<string>;
}

export interface BuiltQuestionnaire {
  questionnaire: Json & { id: string; url: string; version: string; item: Json[] };
  /** `url|version`, the version-specific canonical DTR asks for. */
  canonical: string;
  /** The facts asked, in the order of the form. */
  facts: string[];
}

const UCUM: Record<string, { code: string; display: string }> = {
  weeks: { code: 'wk', display: 'weeks' },
  '%': { code: '%', display: '%' },
  sessions: { code: '{session}', display: 'sessions' },
};

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SDC enableWhen that makes a branch apply: the gate criterion met, stated as an answer to its question. */
function enableWhenOf(gate: CriterionSpec, lib: PolicyLibrary): Json | undefined {
  const spec = lib.facts.get(gate.fact);
  if (!spec) return undefined;
  const type = spec.question.answerType;
  if (gate.op === 'is-true' || gate.op === 'is-false') return type === 'boolean' ? { question: gate.fact, operator: '=', answerBoolean: gate.op === 'is-true' } : undefined;
  if (gate.value === undefined || (type !== 'integer' && type !== 'decimal')) return undefined;
  const operator = { gte: '>=', gt: '>', lte: '<=', lt: '<' }[gate.op];
  return { question: gate.fact, operator, [type === 'integer' ? 'answerInteger' : 'answerDecimal']: gate.value };
}

function questionItem(spec: FactSpec): Json {
  const q = spec.question;
  const unit = UCUM[q.unit ?? spec.unit ?? ''];
  const bounds = spec.unit === '%' ? [0, 100] : spec.unit === '/10' ? [0, 10] : q.answerType === 'integer' ? [0, undefined] : [undefined, undefined];
  const extension: Json[] = [];
  if (unit && (q.answerType === 'integer' || q.answerType === 'decimal')) extension.push({ url: EXT.unit, valueCoding: { system: 'http://unitsofmeasure.org', ...unit } });
  const numeric = q.answerType === 'integer' ? 'valueInteger' : q.answerType === 'decimal' ? 'valueDecimal' : undefined;
  if (numeric && bounds[0] !== undefined) extension.push({ url: EXT.minValue, [numeric]: bounds[0] });
  if (numeric && bounds[1] !== undefined) extension.push({ url: EXT.maxValue, [numeric]: bounds[1] });
  if (!answerable(spec)) {
    return { linkId: spec.id, type: 'display', text: q.text };
  }
  return { linkId: spec.id, type: q.answerType, text: q.text, ...(extension.length ? { extension } : {}) };
}

/** The value sets a fact is defined over (its parameters name them), for the package and the support links. */
export function valueSetsOf(lib: PolicyLibrary, spec: FactSpec): string[] {
  const out = new Set<string>();
  const names = new Set(['valueSets', 'valueSet', 'accepted', 'refused', 'match', 'mismatch', 'medications', 'observations', 'refutedBy', 'lookedWith', 'families', 'therapies', 'series']);
  const visit = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key && names.has(key) && lib.valueSetResource(v)) out.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(spec.params);
  return [...out];
}

/** The Questionnaire for a policy's rule asking the given facts (or all of them). */
export function buildQuestionnaire(lib: PolicyLibrary, req: QuestionnaireRequest, opts: QuestionnaireOptions): BuiltQuestionnaire {
  const rule = req.policy.codes[req.ruleKey];
  if (!rule) throw new Error(`policy ${req.policy.id} has no rule for ${req.ruleKey}`);
  const all = ruleFacts(req.policy, rule).filter((f) => lib.facts.has(f.fact));
  const wanted = req.facts ? new Set(req.facts) : new Set(all.map((f) => f.fact));
  const asked = all.filter((f) => wanted.has(f.fact));
  const askedSet = new Set(asked.map((f) => f.fact));
  const id = `${QUESTIONNAIRE_ID_PREFIX}${slug(req.policyId)}-${slug(req.ruleKey)}-${maskOf(all, askedSet)}-${listHash(lib, all)}`;
  const url = `${opts.canonicalBase.replace(/\/+$/, '')}/Questionnaire/${id}`;
  const version = req.policy.effective;
  const code = req.ruleKey.split(':')[0]!;
  const title = `Documentation for ${code} under ${req.policy.shortName}${req.policyId !== req.policy.id ? ` ${req.policyId}` : ''}`;
  const item = asked.map((f): Json => {
    const spec = lib.facts.get(f.fact)!;
    // Enabled while some branch that reads the fact applies: a fact read outside any gate is always enabled.
    const gates = f.gates.some((g) => g === undefined || !askedSet.has(g.fact)) ? [] : [...new Map(f.gates.map((g) => [g!.id, g!])).values()];
    const enableWhen = gates.map((g) => enableWhenOf(g, lib)).filter((e): e is Json => e !== undefined);
    const links = valueSetsOf(lib, spec)
      .map((vs) => lib.valueSetResource(vs)?.url)
      .filter((u): u is string => typeof u === 'string')
      .map((valueUri) => ({ url: EXT.supportLink, valueUri }));
    return {
      linkId: `${f.fact}.group`,
      type: 'group',
      text: spec.label,
      ...(links.length ? { extension: links } : {}),
      ...(enableWhen.length === gates.length && enableWhen.length > 0 ? { enableWhen, ...(enableWhen.length > 1 ? { enableBehavior: 'any' } : {}) } : {}),
      item: [
        ...f.criteria.map((c) => ({
          linkId: `${f.fact}.${c.id}`,
          type: 'display',
          text: `${c.text}. Source: ${c.citation}${c.verified === false ? ' (per summaries; not verified against the published text)' : ''}.`,
        })),
        questionItem(spec),
      ],
    };
  });
  const questionnaire = {
    resourceType: 'Questionnaire',
    id,
    meta: { profile: [DTR.stdQuestionnaire] },
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${escapeXml(title)}: ${asked.length} question(s), one per fact the criteria read.</p></div>` },
    url,
    version,
    name: slug(`Sij ${req.policyId} ${req.ruleKey}`).replace(/-/g, ''),
    title,
    status: 'active',
    subjectType: ['Patient'],
    publisher: 'SIJ medical-necessity service',
    description: `The questions ${req.policy.shortName} (${req.policy.version}) asks for ${req.ruleKey} when the record does not establish a criterion. Each question is one fact of the product's fact catalogue; the policy's own criteria and sources are shown with it.`,
    effectivePeriod: { start: req.policy.effective, ...(req.policy.retired ? { end: req.policy.retired } : {}) },
    useContext: [{ code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'task' }, valueCodeableConcept: { text: `Documentation of medical necessity for ${code}` } }],
    item,
  };
  return { questionnaire, canonical: `${url}|${version}`, facts: asked.map((f) => f.fact) };
}

/** The facts a determination leaves unknown and a clinician can answer, in the rule's order. */
export function unknownFacts(lib: PolicyLibrary, d: Determination, read?: FactReader): string[] {
  const policy = policyOf(lib, d.policy);
  const rule = policy?.codes[d.order.ruleKey];
  if (!policy || !rule || rule.delegation) return [];
  const unknown = new Set(d.criteria.filter((c) => c.status === 'unknown' && c.fact).map((c) => c.fact!));
  // An exclusion whose tree is unknown is not among the criteria: its facts are read again.
  if (read && rule.exclusion?.when) {
    for (const f of ruleFacts(policy, { ...rule, criteria: undefined })) {
      if (f.criteria.some((c) => evaluateCriterion(c, read).status === 'unknown')) unknown.add(f.fact);
    }
  }
  return ruleFacts(policy, rule)
    .map((f) => f.fact)
    .filter((f) => unknown.has(f) && answerable(lib.facts.get(f)));
}

/** The documentation questionnaire for a documentation-needed determination, or undefined when there is nothing to ask. */
export function questionnaireFor(lib: PolicyLibrary, d: Determination, opts: QuestionnaireOptions, read?: FactReader): BuiltQuestionnaire | undefined {
  if (d.outcome !== 'documentation-needed') return undefined;
  const policy = policyOf(lib, d.policy);
  if (!policy?.codes[d.order.ruleKey]) return undefined;
  const facts = d.questions ?? unknownFacts(lib, d, read);
  if (facts.length === 0) return undefined;
  return buildQuestionnaire(lib, { policy, policyId: d.policy.id, ruleKey: d.order.ruleKey, facts }, opts);
}

/** Rebuilds a questionnaire from its canonical (`…/Questionnaire/sij-<policy>-<rule>-<mask>-<list hash>|version`), or says why it cannot. */
export function questionnaireFromCanonical(lib: PolicyLibrary, canonical: string, opts: QuestionnaireOptions): BuiltQuestionnaire | { error: string } {
  const m = OWN_QUESTIONNAIRE.exec(canonical.trim());
  if (!m) return { error: `${canonical} is not a questionnaire of this service` };
  const [, id, version] = m as unknown as [string, string, string | undefined];
  for (const policy of [...lib.policies, lib.pathway]) {
    const ids = [policy.id, ...(policy.jurisdictions ?? []).map((j) => j.id)];
    for (const policyId of ids) {
      for (const [ruleKey, rule] of Object.entries(policy.codes)) {
        const prefix = `${QUESTIONNAIRE_ID_PREFIX}${slug(policyId)}-${slug(ruleKey)}-`;
        if (!id.startsWith(prefix)) continue;
        const all = ruleFacts(policy, rule).filter((f) => lib.facts.has(f.fact));
        const [mask, hash] = id.slice(prefix.length).split('-');
        if (!mask || hash !== listHash(lib, all)) continue;
        const asked = unmask(all, mask);
        if (!asked) continue;
        if (version !== undefined && version !== policy.effective) continue;
        const built = buildQuestionnaire(lib, { policy, policyId, ruleKey, facts: asked }, opts);
        if (built.questionnaire.id === id) return built;
      }
    }
  }
  return { error: version ? `${canonical} is not a version this service has (policy versions are identified by their effective date)` : `${canonical} names no form this service builds` };
}

// ——— QuestionnaireResponses: the draft DTR hands out, and the one the app writes back ———

export interface ResponseContext {
  /** "Patient/…" */
  subject: string;
  /** The order the documentation is for ("ServiceRequest/…"). */
  order: string;
  /** The Coverage it is for ("Coverage/…"), when the record has one. */
  coverage?: string;
}

/** What the record already establishes for a fact, as an answer (computed values): undefined when it has none. */
export function prefillOf(spec: FactSpec, f: Fact): FactValue | string | undefined {
  if (f.value === undefined || f.range || f.byAbsence || f.evidence.length === 0) return undefined;
  if (spec.question.answerType === 'boolean') return typeof f.value === 'boolean' ? f.value : undefined;
  if (spec.question.answerType === 'date') return undefined; // a duration in weeks is not the date it was read from
  return typeof f.value === 'number' ? (spec.question.answerType === 'integer' ? Math.round(f.value) : f.value) : undefined;
}

const VALUE_KEY = { boolean: 'valueBoolean', integer: 'valueInteger', decimal: 'valueDecimal', date: 'valueDate' } as const;

export const originExtension = (source: 'auto' | 'override' | 'manual', author?: string): Json => ({
  url: DTR.origin,
  extension: [
    { url: 'source', valueCode: source },
    ...(source !== 'auto' && author ? [{ url: 'author', extension: [{ url: 'practitioner', valueReference: { reference: author } }] }] : []),
  ],
});

function contextExtensions(ctx: ResponseContext): Json[] {
  return [
    { url: DTR.context, valueReference: { reference: ctx.order } },
    ...(ctx.coverage ? [{ url: DTR.context, valueReference: { reference: ctx.coverage } }] : []),
    // The determination is what a prior authorization request should carry (CRD: auth-needed).
    { url: DTR.intendedUse, valueCodeableConcept: { coding: [{ system: DTR.crdTempCodes, code: 'withpa', display: 'Include in prior authorization' }] } },
  ];
}

/** The draft QuestionnaireResponse for a questionnaire: the DTR context, and the record's prefill as "auto" answers. */
export function draftResponse(lib: PolicyLibrary, built: BuiltQuestionnaire, ctx: ResponseContext, prefill: Map<string, FactValue | string> = new Map()): Json {
  return {
    resourceType: 'QuestionnaireResponse',
    meta: { profile: [DTR.questionnaireResponse] },
    extension: contextExtensions(ctx),
    questionnaire: built.canonical,
    status: 'in-progress',
    subject: { reference: ctx.subject },
    item: built.facts.map((fact) => {
      const spec = lib.facts.get(fact)!;
      const value = prefill.get(fact);
      return {
        linkId: `${fact}.group`,
        text: spec.label,
        item: [
          {
            linkId: fact,
            text: spec.question.text,
            ...(value !== undefined ? { answer: [{ [VALUE_KEY[spec.question.answerType]]: value, extension: [originExtension('auto')] }] } : {}),
          },
        ],
      };
    }),
  };
}

type Answer = Json & { extension?: Json[] };
type Item = { linkId?: unknown; text?: unknown; answer?: Answer[]; item?: Item[] } & Json;

const answerValue = (a: Answer | undefined): unknown => (a ? Object.entries(a).find(([k]) => k.startsWith('value'))?.[1] : undefined);

/**
 * The response to write back (DTR §Storing QuestionnaireResponses): the renderer's answers, with
 * DTR's context and intendedUse extensions, each answer's information-origin (auto when it is the
 * record's prefill unchanged, override when the clinician changed a prefilled answer, manual
 * otherwise, with the author), empty items dropped, authored and author set.
 */
export function finalResponse(
  built: BuiltQuestionnaire,
  response: Json,
  ctx: ResponseContext & { author: string; authored: string; status: 'in-progress' | 'completed'; prefill?: Map<string, FactValue | string>; id?: string },
): Json {
  const prefill = ctx.prefill ?? new Map<string, FactValue | string>();
  const clean = (items: Item[] | undefined): Item[] =>
    (items ?? []).flatMap((it): Item[] => {
      const linkId = typeof it.linkId === 'string' ? it.linkId : undefined;
      if (!linkId) return [];
      const answers = (it.answer ?? []).filter((a) => answerValue(a) !== undefined && answerValue(a) !== '');
      const children = clean(it.item);
      if (answers.length === 0 && children.length === 0) return [];
      const given = prefill.get(linkId);
      return [
        {
          linkId,
          ...(typeof it.text === 'string' ? { text: it.text } : {}),
          ...(answers.length
            ? {
                answer: answers.map((a) => {
                  const { extension: _old, ...rest } = a;
                  const source = given === undefined ? 'manual' : answerValue(a) === given ? 'auto' : 'override';
                  return { ...rest, extension: [originExtension(source, ctx.author)] };
                }),
              }
            : {}),
          ...(children.length ? { item: children } : {}),
        },
      ];
    });
  return {
    resourceType: 'QuestionnaireResponse',
    ...(ctx.id ? { id: ctx.id } : {}),
    meta: { profile: [DTR.questionnaireResponse] },
    extension: contextExtensions(ctx),
    questionnaire: built.canonical,
    status: ctx.status,
    subject: { reference: ctx.subject },
    authored: ctx.authored,
    author: { reference: ctx.author },
    item: clean(response.item as Item[] | undefined),
  };
}
