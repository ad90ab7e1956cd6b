// The policy library: policies, value sets, advisories and order checks, validated on load.
// Input is plain data ({ path, data }) so Node (fs) and the browser (Vite's import.meta.glob) both
// feed it. Any error names the file and the JSON path; nothing half-valid is ever used.
import { z } from 'zod';
import { CONFIDENCES, OPERATORS, POLICY_KINDS, RULE_KEYS, type Alternative, type AdvisorySpec, type CriteriaTree, type CriterionSpec, type Policy, type RuleKey } from './model';
import { compileValueSet, TEXT_PATTERN_URL, type ValueSetMatcher } from './valueset';
import { FACT_TYPES, isFactId } from './facts';
import { REQUIRED_VALUESETS } from './records';

export interface LibraryFile {
  path: string;
  data: unknown;
}

export interface OrderCheckSpec {
  id: string;
  text: string;
  citation: string;
  confidence: 'S' | 'P' | 'U';
  verified: boolean;
  alternative?: Alternative;
}

export interface PolicyLibrary {
  policies: Policy[];
  /** The clinical pathway used when no payer policy governs. */
  pathway: Policy;
  advisories: AdvisorySpec[];
  checks: Map<string, OrderCheckSpec>;
  valueSet(id: string): ValueSetMatcher;
  /** One matcher for the union of several value sets: a cheap first test before asking each. */
  anyOf(ids: readonly string[]): ValueSetMatcher;
  /** Payer policies indexed by the rule keys they address. */
  byRuleKey: Map<RuleKey, Policy[]>;
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

const confidence = z.enum(CONFIDENCES);
const source = {
  citation: z.string().min(3),
  confidence,
  verified: z.boolean().optional(),
};
const tree: z.ZodType<CriteriaTree> = z.lazy(() =>
  z.union([z.string().min(1), z.object({ all: z.array(tree).min(1) }).strict(), z.object({ any: z.array(tree).min(1) }).strict()]),
);
const criterion = z
  .object({
    text: z.string().min(3),
    fact: z.string(),
    op: z.enum(OPERATORS),
    value: z.number().optional(),
    missing: z.string().optional(),
    failure: z.string().optional(),
    ...source,
  })
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
    exclusion: z.object({ outcome: z.literal('not-medically-necessary'), reason: z.string().min(3), when: tree.optional(), ...source }).strict().optional(),
    delegation: z.object({ to: z.string(), guideline: z.string(), reason: z.string(), ...source }).strict().optional(),
    criteria: tree.optional(),
    alternative: z.array(alternative).optional(),
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .refine((r) => r.exclusion || r.delegation || r.criteria, { message: 'a code rule needs an exclusion, a delegation or criteria' });
const ruleKey = z.enum(RULE_KEYS);
const policySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.enum(POLICY_KINDS),
    title: z.string(),
    shortName: z.string(),
    outcomeWording: z.string().optional(),
    publisher: z.string(),
    version: z.string(),
    effective: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    url: z.string().url(),
    description: z.string().optional(),
    payers: z.array(
      z
        .object({
          name: z.string().optional(),
          identifier: z.object({ system: z.string().optional(), value: z.string() }).strict().optional(),
          type: z.object({ system: z.string(), code: z.string() }).strict().optional(),
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
    codes: z.partialRecord(ruleKey, codeRule),
  })
  .strict();
const advisorySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    text: z.string(),
    url: z.string().url(),
    appliesTo: z.array(ruleKey).min(1),
    when: tree,
    criteria: z.record(z.string(), criterion),
    ...source,
  })
  .strict();
const checksSchema = z
  .object({
    checks: z.record(z.string(), z.object({ text: z.string(), alternative: alternative.optional(), ...source }).strict()),
  })
  .strict();
const valueSetSchema = z
  .object({
    resourceType: z.literal('ValueSet'),
    id: z.string(),
    compose: z.object({
      include: z.array(
        z.object({
          system: z.string().optional(),
          concept: z.array(z.object({ code: z.string() }).passthrough()).optional(),
          filter: z.array(z.object({ property: z.string(), op: z.literal('is-a'), value: z.string() })).optional(),
        }).passthrough(),
      ),
    }).passthrough(),
  })
  .passthrough();

function parse<T>(schema: z.ZodType<T>, file: string, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PolicyLoadError(file, issue.path.join('.'), issue.message);
}

const withSource = <T extends { confidence: 'S' | 'P' | 'U'; verified?: boolean }>(x: T, file: string, path: string): T & { verified: boolean } => {
  if (x.confidence === 'U' && x.verified === true) {
    throw new PolicyLoadError(file, path, 'a claim tagged U (secondary summaries only) cannot be verified: true');
  }
  return { ...x, verified: x.verified ?? x.confidence !== 'U' };
};

function checkCriteria(file: string, where: string, criteria: Record<string, z.infer<typeof criterion>>): Record<string, CriterionSpec> {
  const out: Record<string, CriterionSpec> = {};
  for (const [id, c] of Object.entries(criteria)) {
    const path = `${where}.${id}`;
    if (!isFactId(c.fact)) throw new PolicyLoadError(file, `${path}.fact`, `unknown fact "${c.fact}"`);
    const numeric = FACT_TYPES[c.fact] === 'number';
    if (numeric !== !['is-true', 'is-false'].includes(c.op)) {
      throw new PolicyLoadError(file, `${path}.op`, `operator ${c.op} does not fit the ${FACT_TYPES[c.fact]} fact "${c.fact}"`);
    }
    if (numeric && c.value === undefined) throw new PolicyLoadError(file, `${path}.value`, `operator ${c.op} needs a value`);
    out[id] = { id, ...withSource(c, file, path) };
  }
  return out;
}

function checkTree(file: string, path: string, t: CriteriaTree, ids: Record<string, unknown>): void {
  if (typeof t === 'string') {
    if (!(t in ids)) throw new PolicyLoadError(file, path, `criterion "${t}" is not defined in this file`);
    return;
  }
  const [op, kids] = 'all' in t ? ['all', t.all] : ['any', t.any];
  kids.forEach((k, i) => checkTree(file, `${path}.${op}.${i}`, k, ids));
}

type Kind = 'valueset' | 'advisory' | 'checks' | 'policy';
const kindOf = (data: unknown): Kind => {
  const d = (data ?? {}) as Record<string, unknown>;
  if (d.resourceType === 'ValueSet') return 'valueset';
  if ('appliesTo' in d) return 'advisory';
  if ('checks' in d) return 'checks';
  return 'policy';
};

/** Validate every file and build the library. Throws PolicyLoadError naming the file and path. */
export function loadLibrary(files: readonly LibraryFile[]): PolicyLibrary {
  const valueSets = new Map<string, ValueSetMatcher>();
  const rawValueSets = new Map<string, Parameters<typeof compileValueSet>[0]>();
  const unions = new Map<string, ValueSetMatcher>();
  const unionsByArray = new WeakMap<readonly string[], ValueSetMatcher>();
  const policies: Policy[] = [];
  const advisories: AdvisorySpec[] = [];
  const checks = new Map<string, OrderCheckSpec>();
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));

  for (const { path: file, data } of sorted) {
    switch (kindOf(data)) {
      case 'valueset': {
        const vs = parse(valueSetSchema, file, data);
        if (valueSets.has(vs.id)) throw new PolicyLoadError(file, 'id', `value set "${vs.id}" is defined twice`);
        try {
          valueSets.set(vs.id, compileValueSet(vs as Parameters<typeof compileValueSet>[0]));
          rawValueSets.set(vs.id, vs as Parameters<typeof compileValueSet>[0]);
        } catch (e) {
          throw new PolicyLoadError(file, 'extension', `invalid text pattern: ${(e as Error).message}`);
        }
        break;
      }
      case 'advisory': {
        const a = parse(advisorySchema, file, data);
        const criteria = checkCriteria(file, 'criteria', a.criteria);
        checkTree(file, 'when', a.when, criteria);
        advisories.push({ ...withSource(a, file, ''), criteria });
        break;
      }
      case 'checks': {
        const c = parse(checksSchema, file, data);
        for (const [id, spec] of Object.entries(c.checks)) {
          const alt = spec.alternative ? withSource(spec.alternative, file, `checks.${id}.alternative`) : undefined;
          checks.set(id, { id, ...withSource(spec, file, `checks.${id}`), alternative: alt });
        }
        break;
      }
      case 'policy': {
        const p = parse(policySchema, file, data);
        p.payers.forEach((m, i) => {
          if (!m.name) return;
          try {
            new RegExp(m.name, 'i');
          } catch (e) {
            throw new PolicyLoadError(file, `payers.${i}.name`, `not a valid regular expression: ${(e as Error).message}`);
          }
        });
        const criteria = checkCriteria(file, 'criteria', p.criteria);
        for (const [key, rule] of Object.entries(p.codes)) {
          if (rule.criteria) checkTree(file, `codes.${key}.criteria`, rule.criteria, criteria);
          if (rule.exclusion?.when) checkTree(file, `codes.${key}.exclusion.when`, rule.exclusion.when, criteria);
          if (rule.exclusion) withSource(rule.exclusion, file, `codes.${key}.exclusion`);
          rule.alternative?.forEach((alt, i) => {
            withSource(alt, file, `codes.${key}.alternative.${i}`);
            if (alt.when) checkTree(file, `codes.${key}.alternative.${i}.when`, alt.when, criteria);
          });
        }
        const used = new Set<string>();
        const collect = (t: CriteriaTree | undefined): void => {
          if (t === undefined) return;
          if (typeof t === 'string') used.add(t);
          else ('all' in t ? t.all : t.any).forEach(collect);
        };
        for (const rule of Object.values(p.codes)) {
          collect(rule.criteria);
          collect(rule.exclusion?.when);
          rule.alternative?.forEach((a) => collect(a.when));
        }
        const unused = Object.keys(criteria).filter((id) => !used.has(id));
        if (unused.length > 0) throw new PolicyLoadError(file, `criteria.${unused[0]}`, `criterion "${unused[0]}" is defined but no code rule uses it`);
        if (policies.some((q) => q.id === p.id)) throw new PolicyLoadError(file, 'id', `policy "${p.id}" is defined twice`);
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
        break;
      }
    }
  }

  for (const id of REQUIRED_VALUESETS) {
    if (!valueSets.has(id)) throw new PolicyLoadError('criteria/valuesets', id, `required value set "${id}" is missing`);
  }
  const pathways = policies.filter((p) => p.kind === 'clinical-pathway');
  if (pathways.length !== 1) {
    throw new PolicyLoadError(pathways[1]?.file ?? 'criteria/policies', 'kind', `exactly one clinical-pathway policy is needed, found ${pathways.length}`);
  }
  // J1100 is never judged on its own: it follows the injection it belongs to.
  const missingKeys = RULE_KEYS.filter((k) => k !== 'J1100' && !pathways[0]!.codes[k]);
  if (missingKeys.length > 0) {
    throw new PolicyLoadError(pathways[0]!.file, 'codes', `the clinical pathway must address every order code; missing ${missingKeys.join(', ')}`);
  }
  const payerPolicies = policies.filter((p) => p.kind === 'payer-policy');
  const byRuleKey = new Map<RuleKey, Policy[]>();
  for (const p of payerPolicies) {
    for (const key of Object.keys(p.codes) as RuleKey[]) byRuleKey.set(key, [...(byRuleKey.get(key) ?? []), p]);
  }
  return {
    policies: payerPolicies,
    pathway: pathways[0]!,
    advisories,
    checks,
    byRuleKey,
    valueSet(id) {
      const vs = valueSets.get(id);
      if (!vs) throw new Error(`value set "${id}" is not loaded`);
      return vs;
    },
    anyOf(ids) {
      // Callers pass module constants: look up by identity first, by content only the first time.
      let union = unionsByArray.get(ids);
      if (union) return union;
      const key = ids.join('+');
      union = unions.get(key);
      if (union) {
        unionsByArray.set(ids, union);
        return union;
      }
      const include = ids.flatMap((id) => {
        const raw = rawValueSets.get(id);
        if (!raw) throw new Error(`value set "${id}" is not loaded`);
        // The set-level text pattern travels as one more include, so the union matches what each set matches.
        const setPattern = raw.extension?.filter((e) => e.url === TEXT_PATTERN_URL) ?? [];
        return [...raw.compose.include, ...(setPattern.length ? [{ extension: setPattern }] : [])];
      });
      union = compileValueSet({ id: key, compose: { include } });
      unions.set(key, union);
      unionsByArray.set(ids, union);
      return union;
    },
  };
}
