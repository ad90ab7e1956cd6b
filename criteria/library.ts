// The policy library: the clinical vocabulary and the policies, validated on load. Input is plain data
// ({ path, data }) so Node (fs) and the browser (Vite's import.meta.glob) both feed it. Any error names
// the file and the JSON path; nothing half-valid is ever used. The files:
//   vocabulary/code-systems.json  code systems, their aliases (OIDs) and which are closed
//   vocabulary/triggers.json      order codes → rule keys, readings of unlisted codes, drugs that follow a procedure
//   vocabulary/reading.json       which value sets play which part in extraction
//   vocabulary/payers.json        plan kinds (Medicare, Medicare Advantage, Medigap…) and state names
//   valuesets/*.json              FHIR ValueSets, with their bindings (what kind of entry they classify)
//   facts/*.json                  the fact catalogue: id → kind, parameters, question
//   policies/*.json, advisories/*.json, checks/*.json
import { z } from 'zod';
import { isoDate } from './dates';
import { FACT_KINDS, isFactKind } from './fact-kinds';
import {
  ANSWER_TYPES,
  CONFIDENCES,
  OPERATORS,
  PLAN_KINDS,
  POLICY_KINDS,
  type AdvisorySpec,
  type CriteriaTree,
  type CriterionSpec,
  type FactSpec,
  type FamilySpec,
  type OrderCheckSpec,
  type PlanRule,
  type Policy,
  type PolicyLibrary,
  type ReadingConfig,
  type RuleKey,
  type TriggerSpec,
  type ValueSetMatcher,
} from './model';
import { CLASS_URL, compileValueSet, normaliseCode, TEXT_PATTERN_URL, type ValueSetJson, type Vocabulary } from './valueset';

export type { PolicyLibrary };

export interface LibraryFile {
  path: string;
  data: unknown;
}

export class PolicyLoadError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${file}: ${path || '(root)'}: ${detail}`);
    this.name = 'PolicyLoadError';
  }
}

const BINDING_URL = 'urn:sij-necessity:binding';
const FAMILY_URL = 'urn:sij-necessity:family';

const confidence = z.enum(CONFIDENCES);
const source = { citation: z.string().min(3), confidence, verified: z.boolean().optional() };
const date = z.string().refine(isoDate, { message: 'must be a date YYYY-MM-DD' });
const tree: z.ZodType<CriteriaTree> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z.object({ all: z.array(tree).min(1) }).strict(),
    z.object({ any: z.array(tree).min(1) }).strict(),
    z.object({ if: z.string().min(1), then: tree }).strict(),
  ]),
);
const criterion = z
  .object({ text: z.string().min(3), fact: z.string(), op: z.enum(OPERATORS), value: z.number().optional(), missing: z.string().optional(), failure: z.string().optional(), ...source })
  .strict();
const alternative = z
  .object({
    id: z.string(),
    text: z.string().min(3),
    when: tree.optional(),
    action: z
      .object({
        kind: z.enum(['replace-order', 'add-order']),
        code: z.object({ system: z.string().url(), code: z.string(), display: z.string() }).strict(),
        resourceType: z.literal('ServiceRequest'),
        quantity: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    ...source,
  })
  .strict();
const codeRule = z
  .object({
    title: z.string(),
    complete: z.boolean({ error: 'every code rule states whether its criteria are complete (complete: true or false)' }),
    unencoded: z.array(z.string().min(3)).optional(),
    exclusion: z.object({ outcome: z.literal('not-medically-necessary'), reason: z.string().min(3), when: tree.optional(), ...source }).strict().optional(),
    delegation: z.object({ to: z.string(), guideline: z.string(), reason: z.string(), ...source }).strict().optional(),
    criteria: tree.optional(),
    alternative: z.array(alternative).optional(),
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .refine((r) => r.exclusion || r.delegation || r.criteria, { message: 'a code rule needs an exclusion, a delegation or criteria' })
  .refine((r) => r.complete || (r.unencoded?.length ?? 0) > 0, { message: 'an incomplete code rule must list what it does not encode (unencoded)', path: ['unencoded'] });
const policySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.enum(POLICY_KINDS),
    title: z.string(),
    shortName: z.string(),
    outcomeWording: z.string().optional(),
    publisher: z.string(),
    version: z.string(),
    effective: date,
    retired: date.optional(),
    url: z.string().url(),
    rationale: z.string().regex(/^docs\/clinical\/[a-z0-9-]+\.md$/).optional(),
    description: z.string().optional(),
    bindsMedicareAdvantage: z.boolean().optional(),
    payers: z.array(
      z
        .object({
          name: z.string().optional(),
          identifier: z.object({ system: z.string().optional(), value: z.string() }).strict().optional(),
          type: z.object({ system: z.string(), code: z.string() }).strict().optional(),
          planKinds: z.array(z.enum(PLAN_KINDS)).min(1).optional(),
        })
        .strict(),
    ),
    jurisdictions: z
      .array(z.object({ id: z.string(), contractor: z.string(), states: z.array(z.string().length(2)), url: z.string().url(), article: z.string().optional() }).strict())
      .optional(),
    noPolicyJurisdictions: z
      .array(z.object({ contractor: z.string(), states: z.array(z.string().length(2)), note: z.string(), citation: z.string(), confidence }).strict())
      .optional(),
    criteria: z.record(z.string(), criterion),
    codes: z.record(z.string(), codeRule),
  })
  .strict()
  .refine((p) => !p.retired || p.retired >= p.effective, { message: 'retired must not be before effective', path: ['retired'] });
const advisorySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    text: z.string(),
    url: z.string().url(),
    appliesTo: z.array(z.string()).min(1),
    when: tree,
    showWhenUnknown: z.boolean().optional(),
    safety: z.boolean().optional(),
    criteria: z.record(z.string(), criterion),
    ...source,
  })
  .strict();
const checksSchema = z
  .object({
    checks: z.record(
      z.string(),
      z
        .object({
          text: z.string(),
          appliesTo: z.array(z.string()).min(1),
          when: tree,
          criteria: z.record(z.string(), criterion),
          alternative: alternative.optional(),
          downgrade: z.object({ from: z.enum(['criteria-met']), to: z.enum(['documentation-needed']), missing: z.string() }).strict().optional(),
          firesWhenUnknown: z.boolean().optional(),
          ...source,
        })
        .strict(),
    ),
  })
  .strict();
const factsSchema = z
  .object({
    facts: z.record(
      z.string().regex(/^[a-z0-9-]+$/),
      z
        .object({
          kind: z.string(),
          label: z.string().min(3),
          unit: z.string().optional(),
          description: z.string().optional(),
          params: z.record(z.string(), z.unknown()),
          question: z
            .object({
              text: z.string().min(5),
              answerType: z.enum(ANSWER_TYPES),
              unit: z.string().optional(),
              observation: z
                .object({
                  code: z.object({ system: z.string().min(1), code: z.string().min(1), display: z.string().min(1) }).strict(),
                  unit: z.object({ system: z.string().min(1), code: z.string().min(1), unit: z.string().min(1) }).strict().optional(),
                })
                .strict()
                .optional(),
            })
            .strict(),
        })
        .strict(),
    ),
  })
  .strict();
const triggersSchema = z
  .object({
    description: z.string().optional(),
    orderSystems: z.array(z.string()).min(1),
    triggers: z.array(
      z
        .object({
          code: z.string().min(1),
          resourceTypes: z.array(z.enum(['ServiceRequest', 'MedicationRequest'])).min(1),
          title: z.string(),
          family: z.string().optional(),
          invasive: z.boolean().optional(),
          readings: z
            .array(z.object({ ruleKey: z.string().min(1), reading: z.string().min(3), text: z.string().optional() }).strict())
            .min(1),
          follows: z.object({ ruleKeys: z.array(z.string()).min(1), ...source }).strict().optional(),
          medication: z.object({ valueSet: z.string(), routeText: z.string() }).strict().optional(),
        })
        .strict(),
    ),
  })
  .strict();
const readingSchema = z
  .object({
    description: z.string().optional(),
    reading: z
      .object({
        historyValueSet: z.string(),
        deletedCodesValueSet: z.string(),
        painScores: z.string(),
        reliefObservations: z.string(),
        indexPainSites: z.string(),
        laterality: z.object({ left: z.array(z.string()), right: z.array(z.string()), bilateral: z.array(z.string()) }).strict(),
      })
      .strict(),
  })
  .strict();
const codeSystemsSchema = z
  .object({
    description: z.string().optional(),
    codeSystems: z.array(z.object({ id: z.string(), url: z.string(), aliases: z.array(z.string()), note: z.string().optional() }).strict()).min(1),
  })
  .strict();
const payersSchema = z
  .object({
    description: z.string().optional(),
    plans: z.array(
      z
        .object({ kind: z.enum(PLAN_KINDS), types: z.array(z.object({ system: z.string(), code: z.string(), display: z.string().optional() }).strict()), names: z.array(z.string()), citation: z.string().optional() })
        .strict(),
    ),
    states: z.record(z.string().length(2), z.string()),
  })
  .strict();
const valueSetSchema = z
  .object({
    resourceType: z.literal('ValueSet'),
    id: z.string(),
    compose: z.object({
      include: z.array(
        z
          .object({
            system: z.string().optional(),
            concept: z.array(z.object({ code: z.string() }).passthrough()).optional(),
            filter: z.array(z.object({ property: z.string(), op: z.literal('is-a'), value: z.string() })).optional(),
          })
          .passthrough(),
      ),
    }).passthrough(),
  })
  .passthrough();

function parse<T>(schema: z.ZodType<T>, file: string, data: unknown, prefix = ''): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PolicyLoadError(file, [prefix, ...issue.path.map(String)].filter(Boolean).join('.'), issue.message);
}

const withSource = <T extends { confidence: 'S' | 'P' | 'U'; verified?: boolean }>(x: T, file: string, path: string): T & { verified: boolean } => {
  if (x.confidence === 'U' && x.verified === true) throw new PolicyLoadError(file, path, 'a claim tagged U (secondary summaries only) cannot be verified: true');
  return { ...x, verified: x.verified ?? x.confidence !== 'U' };
};

const regex = (file: string, path: string, source: string): RegExp => {
  try {
    return new RegExp(source, 'i');
  } catch (e) {
    throw new PolicyLoadError(file, path, `not a valid regular expression: ${(e as Error).message}`);
  }
};

type Kind = 'valueset' | 'advisory' | 'checks' | 'facts' | 'triggers' | 'reading' | 'code-systems' | 'payers' | 'policy';
const kindOf = (data: unknown): Kind => {
  const d = (data ?? {}) as Record<string, unknown>;
  if (d.resourceType === 'ValueSet') return 'valueset';
  if ('appliesTo' in d) return 'advisory';
  if ('checks' in d) return 'checks';
  if ('facts' in d) return 'facts';
  if ('triggers' in d) return 'triggers';
  if ('reading' in d) return 'reading';
  if ('codeSystems' in d) return 'code-systems';
  if ('plans' in d) return 'payers';
  return 'policy';
};

/** Parameter names that name value sets, procedure families, or other facts, checked when the catalogue loads. */
const VALUESET_PARAMS = new Set(['valueSets', 'complaint', 'refutedBy', 'observations', 'reports', 'reportFindings', 'sites', 'medications', 'accepted', 'valueSet', 'refused', 'match', 'mismatch']);
const FAMILY_PARAMS = new Set(['families', 'series', 'therapies', 'lookedWith', 'blockFamilies']);
const FACT_PARAMS = new Set(['allowedWhen']);

function walkParams(value: unknown, path: string, visit: (key: string, v: string, path: string) => void, key = ''): void {
  if (typeof value === 'string') visit(key, value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkParams(v, `${path}.${i}`, visit, key));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkParams(v, `${path}.${k}`, visit, k);
}

/** Validate every file and build the library. Throws PolicyLoadError naming the file and path. */
export function loadLibrary(files: readonly LibraryFile[]): PolicyLibrary {
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));
  const byKind = new Map<Kind, LibraryFile[]>();
  for (const f of sorted) byKind.set(kindOf(f.data), [...(byKind.get(kindOf(f.data)) ?? []), f]);
  const one = <K extends Kind>(kind: K, what: string): LibraryFile => {
    const found = byKind.get(kind) ?? [];
    if (found.length !== 1) throw new PolicyLoadError(found[1]?.path ?? 'criteria/vocabulary', '', `exactly one ${what} file is needed, found ${found.length}`);
    return found[0]!;
  };

  // Code systems first: value sets are compiled against them.
  const cs = one('code-systems', 'code-systems');
  const systems = parse(codeSystemsSchema, cs.path, cs.data).codeSystems;
  const canonical = new Map<string, string>();
  for (const s of systems) for (const u of [s.url, ...s.aliases]) canonical.set(u, s.url);
  const canonicalSystem = (system: string | undefined) => (system === undefined ? undefined : (canonical.get(system) ?? system));

  // Value sets: parse all, register every listed code, then compile.
  const raw = new Map<string, { file: string; vs: ValueSetJson & { extension?: { url: string; valueString?: string; valueCode?: string; extension?: { url: string; valueString?: string; valueCode?: string; valueInteger?: number; valueBoolean?: boolean }[] }[] } }>();
  /** Each value set as its file states it: a FHIR ValueSet the questionnaire package can carry. */
  const resources = new Map<string, Record<string, unknown>>();
  const known = new Set<string>();
  const knownPrefixes = new Map<string, string[]>();
  for (const { path: file, data } of byKind.get('valueset') ?? []) {
    const vs = parse(valueSetSchema, file, data) as unknown as ValueSetJson;
    if (raw.has(vs.id)) throw new PolicyLoadError(file, 'id', `value set "${vs.id}" is defined twice`);
    vs.compose.include.forEach((inc, i) => {
      const system = canonicalSystem(inc.system);
      for (const c of inc.concept ?? []) if (system) known.add(`${system}|${normaliseCode(c.code)}`);
      for (const f of inc.filter ?? []) if (system && f.op === 'is-a') knownPrefixes.set(system, [...(knownPrefixes.get(system) ?? []), normaliseCode(f.value)]);
      for (const e of inc.extension ?? []) if (e.url === TEXT_PATTERN_URL && e.valueString) regex(file, `compose.include.${i}.extension`, e.valueString);
    });
    for (const e of vs.extension ?? []) if (e.url === TEXT_PATTERN_URL && e.valueString) regex(file, 'extension', e.valueString);
    raw.set(vs.id, { file, vs: vs as never });
    resources.set(vs.id, data as Record<string, unknown>);
  }
  const valueSets = new Map<string, ValueSetMatcher>();
  // Per system, per code: asked for every coding of every entry, so answered from a cache after the first time.
  const knownCache = new Map<string, Map<string, boolean>>();
  const vocab: Vocabulary = {
    canonical: canonicalSystem,
    known: (s, code) => {
      let bySystem = knownCache.get(s);
      if (!bySystem) knownCache.set(s, (bySystem = new Map()));
      let k = bySystem.get(code);
      if (k === undefined) {
        k = known.has(`${s}|${code}`) || (knownPrefixes.get(s)?.some((p) => code.startsWith(p)) ?? false);
        if (bySystem.size > 50_000) bySystem.clear();
        bySystem.set(code, k);
      }
      return k;
    },
    valueSet: (id) => valueSets.get(id)!,
  };
  for (const [id, { vs }] of raw) valueSets.set(id, compileValueSet(vs, vocab));
  const needVs = (file: string, path: string, id: string) => {
    if (!valueSets.has(id)) throw new PolicyLoadError(file, path, `value set "${id}" is not in the library`);
  };
  for (const [id, { file, vs }] of raw) {
    vs.compose.include.forEach((inc, i) => {
      const site = inc.extension?.find((e) => e.url === 'urn:sij-necessity:requires-site')?.valueString;
      if (site) needVs(file, `compose.include.${i}.extension`, site);
    });
    void id;
  }

  // Bindings and procedure families, from the value-set files.
  const bound = { condition: [] as string[], observation: [] as string[], medication: [] as string[], allergy: [] as string[] };
  const families: FamilySpec[] = [];
  for (const [id, { file, vs }] of raw) {
    for (const e of vs.extension ?? []) {
      if (e.url === BINDING_URL) {
        const b = e.valueCode as keyof typeof bound | 'procedure' | 'other' | undefined;
        if (b === 'procedure' || b === 'other') continue;
        if (!b || !(b in bound)) throw new PolicyLoadError(file, 'extension', `binding "${e.valueCode}" is not one of condition, observation, medication, allergy, procedure, other`);
        bound[b].push(id);
      }
      if (e.url === FAMILY_URL) {
        const get = (url: string) => e.extension?.find((x) => x.url === url);
        const priority = get('priority')?.valueInteger;
        if (typeof priority !== 'number') throw new PolicyLoadError(file, 'extension', 'a procedure family needs a priority');
        const phase = get('phase')?.valueCode;
        if (phase !== undefined && !['diagnostic', 'therapeutic', 'sequence'].includes(phase)) throw new PolicyLoadError(file, 'extension', `phase "${phase}" is not diagnostic, therapeutic or sequence`);
        families.push({
          id,
          label: get('label')?.valueString ?? id,
          priority,
          ...(phase ? { phase: phase as FamilySpec['phase'] } : {}),
          ...(get('positive-at')?.valueInteger !== undefined ? { positiveAt: get('positive-at')!.valueInteger } : {}),
          readsRelief: get('reads-relief')?.valueBoolean === true,
        });
      }
    }
  }
  families.sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  const isFamily = (id: string) => families.some((f) => f.id === id);

  // Reading configuration and plan kinds.
  const rd = one('reading', 'reading');
  const reading: ReadingConfig = parse(readingSchema, rd.path, rd.data).reading;
  for (const [k, v] of Object.entries(reading)) if (typeof v === 'string') needVs(rd.path, `reading.${k}`, v);
  const pf = one('payers', 'payers');
  const payers = parse(payersSchema, pf.path, pf.data);
  const plans: PlanRule[] = payers.plans.map((p, i) => ({ kind: p.kind, types: p.types, names: p.names.map((n, j) => regex(pf.path, `plans.${i}.names.${j}`, n)) }));
  const states = new Map<string, string>();
  for (const [code, name] of Object.entries(payers.states)) {
    states.set(code.toUpperCase(), code.toUpperCase());
    states.set(name.toUpperCase(), code.toUpperCase());
  }

  // The fact catalogue.
  const facts = new Map<string, FactSpec>();
  const factType = (id: string) => FACT_KINDS[facts.get(id)!.kind as keyof typeof FACT_KINDS].type;
  for (const { path: file, data } of byKind.get('facts') ?? []) {
    for (const [id, f] of Object.entries(parse(factsSchema, file, data).facts)) {
      const at = `facts.${id}`;
      if (facts.has(id)) throw new PolicyLoadError(file, at, `fact "${id}" is defined twice`);
      if (!isFactKind(f.kind)) throw new PolicyLoadError(file, `${at}.kind`, `unknown fact kind "${f.kind}" (one of ${Object.keys(FACT_KINDS).join(', ')})`);
      const params = parse(FACT_KINDS[f.kind].params, file, f.params, `${at}.params`) as Record<string, unknown>;
      facts.set(id, { id, kind: f.kind, label: f.label, ...(f.unit ? { unit: f.unit } : {}), params, question: f.question, file });
    }
  }
  for (const spec of facts.values()) {
    walkParams(spec.params, `facts.${spec.id}.params`, (key, v, path) => {
      if (FAMILY_PARAMS.has(key) && !isFamily(v)) throw new PolicyLoadError(spec.file, path, `"${v}" is not a procedure family (a value set with a family extension)`);
      if (VALUESET_PARAMS.has(key)) needVs(spec.file, path, v);
      if (FACT_PARAMS.has(key) && !facts.has(v)) throw new PolicyLoadError(spec.file, path, `fact "${v}" is not in the catalogue`);
    });
    // `families` inside positiveBlocks is reached through walkParams with key "families" as well.
  }

  // Triggers.
  const tf = one('triggers', 'triggers');
  const t = parse(triggersSchema, tf.path, tf.data);
  const byCode = new Map<string, TriggerSpec>();
  const ruleKeys = new Map<RuleKey, { trigger: TriggerSpec; reading: TriggerSpec['readings'][number] }>();
  t.triggers.forEach((tr, i) => {
    const at = `triggers.${i}`;
    if (byCode.has(tr.code.toUpperCase())) throw new PolicyLoadError(tf.path, `${at}.code`, `order code ${tr.code} is listed twice`);
    if (tr.family && !isFamily(tr.family)) throw new PolicyLoadError(tf.path, `${at}.family`, `"${tr.family}" is not a procedure family`);
    if (tr.medication) needVs(tf.path, `${at}.medication.valueSet`, tr.medication.valueSet);
    const spec: TriggerSpec = {
      code: tr.code.toUpperCase(),
      resourceTypes: tr.resourceTypes,
      title: tr.title,
      ...(tr.family ? { family: tr.family } : {}),
      ...(tr.invasive ? { invasive: true } : {}),
      readings: tr.readings.map((r, j) => ({ ruleKey: r.ruleKey, reading: r.reading, ...(r.text ? { text: regex(tf.path, `${at}.readings.${j}.text`, r.text) } : {}) })),
      ...(tr.follows ? { follows: { ruleKeys: tr.follows.ruleKeys, citation: tr.follows.citation, confidence: tr.follows.confidence } } : {}),
      ...(tr.medication ? { medication: { valueSet: tr.medication.valueSet, routeText: regex(tf.path, `${at}.medication.routeText`, tr.medication.routeText) } } : {}),
    };
    byCode.set(spec.code, spec);
    spec.readings.forEach((r, j) => {
      const seen = ruleKeys.get(r.ruleKey);
      if (seen && seen.trigger !== spec) throw new PolicyLoadError(tf.path, `${at}.readings.${j}.ruleKey`, `rule key "${r.ruleKey}" belongs to order code ${seen.trigger.code} already`);
      if (!seen) ruleKeys.set(r.ruleKey, { trigger: spec, reading: r });
    });
  });
  t.triggers.forEach((tr, i) =>
    tr.follows?.ruleKeys.forEach((k, j) => {
      if (!ruleKeys.has(k)) throw new PolicyLoadError(tf.path, `triggers.${i}.follows.ruleKeys.${j}`, `rule key "${k}" is not defined`);
    }),
  );
  const needRuleKey = (file: string, path: string, k: string) => {
    if (!ruleKeys.has(k)) throw new PolicyLoadError(file, path, `rule key "${k}" is not in criteria/vocabulary/triggers.json`);
  };

  const checkCriteria = (file: string, where: string, criteria: Record<string, z.infer<typeof criterion>>): Record<string, CriterionSpec> => {
    const out: Record<string, CriterionSpec> = {};
    for (const [id, c] of Object.entries(criteria)) {
      const path = `${where}.${id}`;
      if (!facts.has(c.fact)) throw new PolicyLoadError(file, `${path}.fact`, `unknown fact "${c.fact}" (not in the fact catalogue)`);
      const numeric = factType(c.fact) === 'number';
      if (numeric !== !['is-true', 'is-false'].includes(c.op)) throw new PolicyLoadError(file, `${path}.op`, `operator ${c.op} does not fit the ${factType(c.fact)} fact "${c.fact}"`);
      if (numeric && c.value === undefined) throw new PolicyLoadError(file, `${path}.value`, `operator ${c.op} needs a value`);
      out[id] = { id, ...withSource(c, file, path) };
    }
    return out;
  };
  const checkTree = (file: string, path: string, tr: CriteriaTree, ids: Record<string, unknown>): void => {
    if (typeof tr === 'string') {
      if (!(tr in ids)) throw new PolicyLoadError(file, path, `criterion "${tr}" is not defined in this file`);
      return;
    }
    if ('if' in tr) {
      checkTree(file, `${path}.if`, tr.if, ids);
      checkTree(file, `${path}.then`, tr.then, ids);
      return;
    }
    const [op, kids] = 'all' in tr ? ['all', tr.all] : ['any', tr.any];
    kids.forEach((k, i) => checkTree(file, `${path}.${op}.${i}`, k, ids));
  };
  const collect = (tr: CriteriaTree | undefined, used: Set<string>): void => {
    if (tr === undefined) return;
    if (typeof tr === 'string') used.add(tr);
    else if ('if' in tr) {
      used.add(tr.if);
      collect(tr.then, used);
    } else ('all' in tr ? tr.all : tr.any).forEach((k) => collect(k, used));
  };

  const advisories: AdvisorySpec[] = [];
  for (const { path: file, data } of byKind.get('advisory') ?? []) {
    const a = parse(advisorySchema, file, data);
    a.appliesTo.forEach((k, i) => needRuleKey(file, `appliesTo.${i}`, k));
    const criteria = checkCriteria(file, 'criteria', a.criteria);
    checkTree(file, 'when', a.when, criteria);
    advisories.push({ ...withSource(a, file, ''), criteria });
  }

  const checks: OrderCheckSpec[] = [];
  for (const { path: file, data } of byKind.get('checks') ?? []) {
    for (const [id, spec] of Object.entries(parse(checksSchema, file, data).checks)) {
      spec.appliesTo.forEach((k, i) => needRuleKey(file, `checks.${id}.appliesTo.${i}`, k));
      const criteria = checkCriteria(file, `checks.${id}.criteria`, spec.criteria);
      checkTree(file, `checks.${id}.when`, spec.when, criteria);
      const { alternative: rawAlt, ...rest } = spec;
      const alt = rawAlt ? withSource(rawAlt, file, `checks.${id}.alternative`) : undefined;
      checks.push({ id, ...withSource(rest, file, `checks.${id}`), criteria, ...(alt ? { alternative: alt } : {}) });
    }
  }

  const policies: Policy[] = [];
  for (const { path: file, data } of byKind.get('policy') ?? []) {
    const p = parse(policySchema, file, data);
    p.payers.forEach((m, i) => {
      if (m.name) regex(file, `payers.${i}.name`, m.name);
    });
    const criteria = checkCriteria(file, 'criteria', p.criteria);
    const used = new Set<string>();
    for (const [key, rule] of Object.entries(p.codes)) {
      needRuleKey(file, `codes.${key}`, key);
      if (rule.criteria) checkTree(file, `codes.${key}.criteria`, rule.criteria, criteria);
      if (rule.exclusion?.when) checkTree(file, `codes.${key}.exclusion.when`, rule.exclusion.when, criteria);
      rule.alternative?.forEach((alt, i) => {
        if (alt.when) checkTree(file, `codes.${key}.alternative.${i}.when`, alt.when, criteria);
      });
      collect(rule.criteria, used);
      collect(rule.exclusion?.when, used);
      rule.alternative?.forEach((a) => collect(a.when, used));
    }
    const unused = Object.keys(criteria).filter((id) => !used.has(id));
    if (unused.length > 0) throw new PolicyLoadError(file, `criteria.${unused[0]}`, `criterion "${unused[0]}" is defined but no code rule uses it`);
    const overlapping = policies.find((q) => q.id === p.id && q.effective <= (p.retired ?? '9999-12-31') && p.effective <= (q.retired ?? '9999-12-31'));
    if (overlapping) throw new PolicyLoadError(file, 'id', `policy "${p.id}" is defined twice for overlapping dates (also in ${overlapping.file})`);
    const codes = Object.fromEntries(
      Object.entries(p.codes).map(([key, rule]) => [
        key,
        {
          ...rule,
          exclusion: rule.exclusion ? withSource(rule.exclusion, file, `codes.${key}.exclusion`) : undefined,
          delegation: rule.delegation ? withSource(rule.delegation, file, `codes.${key}.delegation`) : undefined,
          alternative: rule.alternative?.map((alt, i) => withSource(alt, file, `codes.${key}.alternative.${i}`)),
        },
      ]),
    );
    policies.push({ ...p, criteria, codes, file } as Policy);
  }

  const pathways = policies.filter((p) => p.kind === 'clinical-pathway');
  if (pathways.length !== 1) throw new PolicyLoadError(pathways[1]?.file ?? 'criteria/policies', 'kind', `exactly one clinical-pathway policy is needed, found ${pathways.length}`);
  const pathway = pathways[0]!;
  // A drug that follows its procedure is never judged on its own; every other rule key needs the pathway's answer.
  const followers = new Set([...byCode.values()].filter((x) => x.follows).flatMap((x) => x.readings.map((r) => r.ruleKey)));
  const missingKeys = [...ruleKeys.keys()].filter((k) => !followers.has(k) && !pathway.codes[k]);
  if (missingKeys.length > 0) throw new PolicyLoadError(pathway.file, 'codes', `the clinical pathway must address every order code; missing ${missingKeys.join(', ')}`);

  const payerPolicies = policies.filter((p) => p.kind === 'payer-policy');
  const byRuleKey = new Map<RuleKey, Policy[]>();
  for (const p of payerPolicies) for (const key of Object.keys(p.codes)) byRuleKey.set(key, [...(byRuleKey.get(key) ?? []), p]);

  const unions = new Map<string, ValueSetMatcher>();
  const unionsByArray = new WeakMap<readonly string[], ValueSetMatcher>();
  const includesOf = (id: string, cls?: string) => {
    const entry = raw.get(id);
    if (!entry) throw new Error(`value set "${id}" is not loaded`);
    // The set-level text pattern travels as one more include, so the union matches what each set matches.
    const setPattern = entry.vs.extension?.filter((e) => e.url === TEXT_PATTERN_URL) ?? [];
    const includes = [...entry.vs.compose.include, ...(setPattern.length ? [{ extension: setPattern }] : [])];
    // For classification each include carries its set's id as its class, in the caller's order.
    return cls === undefined ? includes : includes.map((inc) => ({ ...inc, extension: [...(inc.extension ?? []).filter((e) => e.url !== CLASS_URL), { url: CLASS_URL, valueCode: cls }] }));
  };
  const classifiers = new WeakMap<readonly string[], ValueSetMatcher>();
  return {
    policies: payerPolicies,
    pathway,
    advisories,
    checks,
    facts,
    triggers: { orderSystems: new Set(t.orderSystems.map((s) => canonicalSystem(s)!)), byCode, ruleKeys },
    families,
    reading,
    plans,
    states,
    bound,
    byRuleKey,
    canonicalSystem,
    valueSetResource: (id) => resources.get(id),
    valueSet(id) {
      const vs = valueSets.get(id);
      if (!vs) throw new Error(`value set "${id}" is not loaded`);
      return vs;
    },
    anyOf(ids) {
      // Callers pass stable arrays: look up by identity first, by content only the first time.
      let union = unionsByArray.get(ids);
      if (union) return union;
      const key = ids.join('+');
      union = unions.get(key);
      if (!union) {
        union = compileValueSet({ id: key, compose: { include: ids.flatMap((id) => includesOf(id)) } }, vocab);
        unions.set(key, union);
      }
      unionsByArray.set(ids, union);
      return union;
    },
    classify(ids, concepts, entry) {
      let c = classifiers.get(ids);
      if (!c) classifiers.set(ids, (c = compileValueSet({ id: `classify:${ids.join('+')}`, compose: { include: ids.flatMap((id) => includesOf(id, id)) } }, vocab)));
      return c.match(concepts, entry)?.cls;
    },
  };
}
