// Stage 3: criteria trees over facts → met / not-met / unknown, with three-valued (Kleene) logic:
// `all` fails if any child fails, else is unknown if any child is unknown; `any` is met if any child
// is met, else unknown if any is unknown. Unknown never becomes met or not-met by default.
import type { CriteriaTree, CriterionResult, CriterionSpec, FactValue, Operator, Status } from './model';
import { isFactId, type factReader } from './facts';

/** The closed operator set, dispatched from a table; a new operator without a handler fails to compile. */
const OPERATOR_TABLE: { [K in Operator]: (value: FactValue, target: number | undefined) => boolean } = {
  'is-true': (v) => v === true,
  'is-false': (v) => v === false,
  gte: (v, t) => typeof v === 'number' && v >= (t ?? Number.NaN),
  gt: (v, t) => typeof v === 'number' && v > (t ?? Number.NaN),
  lte: (v, t) => typeof v === 'number' && v <= (t ?? Number.NaN),
  lt: (v, t) => typeof v === 'number' && v < (t ?? Number.NaN),
};

export interface TreeResult {
  status: Status;
  /** Leaf results in tree order, each criterion once. */
  results: CriterionResult[];
}

export function evaluateCriterion(spec: CriterionSpec, read: ReturnType<typeof factReader>): CriterionResult {
  if (!isFactId(spec.fact)) throw new Error(`unknown fact ${spec.fact}`); // unreachable: checked on load
  const f = read(spec.fact);
  const status: Status = f.value === undefined ? 'unknown' : OPERATOR_TABLE[spec.op](f.value, spec.value) ? 'met' : 'not-met';
  return {
    id: spec.id,
    text: spec.text,
    status,
    evidence: f.evidence,
    summary: f.summary,
    citation: spec.citation,
    confidence: spec.confidence,
    verified: spec.verified,
    missing: status === 'unknown' ? (spec.missing ?? `Document: ${spec.text}`) : undefined,
    failure: status === 'not-met' ? spec.failure : undefined,
  };
}

export function evaluateTree(tree: CriteriaTree, criteria: Record<string, CriterionSpec>, read: ReturnType<typeof factReader>): TreeResult {
  const cache = new Map<string, CriterionResult>();
  // Returns the status and the leaves that decided it: a met `any` keeps only its met branches, so a
  // reviewer is not shown the alternatives the record did not need.
  const walk = (t: CriteriaTree): TreeResult => {
    if (typeof t === 'string') {
      let r = cache.get(t);
      if (!r) {
        r = evaluateCriterion(criteria[t]!, read);
        cache.set(t, r);
      }
      return { status: r.status, results: [r] };
    }
    const kids = ('all' in t ? t.all : t.any).map(walk);
    const statuses = kids.map((k) => k.status);
    const status: Status =
      'all' in t
        ? statuses.includes('not-met') ? 'not-met' : statuses.includes('unknown') ? 'unknown' : 'met'
        : statuses.includes('met') ? 'met' : statuses.includes('unknown') ? 'unknown' : 'not-met';
    const deciding = 'any' in t && status === 'met' ? kids.filter((k) => k.status === 'met') : kids;
    return { status, results: deciding.flatMap((k) => k.results) };
  };
  const { status, results } = walk(tree);
  return { status, results: [...new Map(results.map((r) => [r.id, r])).values()] };
}
