// Stage 3: criteria trees over facts → met / not-met / unknown, with three-valued (Kleene) logic:
// `all` fails if any child fails, else is unknown if any child is unknown; `any` is met if any child
// is met, else unknown if any is unknown. Unknown never becomes met or not-met by default. A gate
// (`{ if, then }`) selects a branch: when its criterion is not met the branch does not apply.
// Nothing is met without evidence: a criterion whose fact holds but rests on no entry of the record
// (and is not one of the facts defined by absence) is unknown.
import type { CriteriaTree, CriterionResult, CriterionSpec, Fact, FactValue, Operator, Status } from './model';
import type { FactReader } from './facts';

/** The closed operator set, dispatched from a table; a new operator without a handler fails to compile. */
const OPERATOR_TABLE: { [K in Operator]: (value: FactValue, target: number) => boolean } = {
  'is-true': (v) => v === true,
  'is-false': (v) => v === false,
  gte: (v, t) => typeof v === 'number' && v >= t,
  gt: (v, t) => typeof v === 'number' && v > t,
  lte: (v, t) => typeof v === 'number' && v <= t,
  lt: (v, t) => typeof v === 'number' && v < t,
};

/** A number known only within bounds decides a comparison only when both bounds agree. */
function statusOf(spec: CriterionSpec, f: Fact): Status {
  if (f.value === undefined) return 'unknown';
  const op = OPERATOR_TABLE[spec.op];
  const t = spec.value ?? Number.NaN;
  if (f.range && typeof f.value === 'number') {
    const [lo, hi] = f.range;
    const a = op(lo, t);
    const b = op(hi, t);
    return a && b ? 'met' : !a && !b ? 'not-met' : 'unknown';
  }
  return op(f.value, t) ? 'met' : 'not-met';
}

export interface TreeResult {
  status: Status | 'n/a';
  /** Leaf results in tree order, each criterion once. */
  results: CriterionResult[];
}

export function evaluateCriterion(spec: CriterionSpec, read: FactReader, gate = false): CriterionResult {
  const f = read(spec.fact);
  let status = statusOf(spec, f);
  let summary = f.summary;
  if (status === 'met' && f.evidence.length === 0 && !f.byAbsence) {
    status = 'unknown';
    summary = `${f.summary} (no entry of the record supports it, so it is not counted as met)`;
  }
  const result: CriterionResult = {
    id: spec.id,
    text: spec.text,
    status,
    evidence: f.evidence,
    summary,
    citation: spec.citation,
    confidence: spec.confidence,
    verified: spec.verified,
    fact: spec.fact,
  };
  // Set in this order, as the keys of the result (and of its JSON) have always been.
  if (f.byAbsence && status !== 'unknown') result.byAbsence = true;
  if (gate) result.gate = true;
  if (status === 'unknown') result.missing = spec.missing ?? `Document: ${spec.text}`;
  if (status === 'not-met' && spec.failure) result.failure = spec.failure;
  return result;
}

export function evaluateTree(tree: CriteriaTree, criteria: Record<string, CriterionSpec>, read: FactReader): TreeResult & { status: Status } {
  const cache = new Map<string, CriterionResult>();
  const leaf = (id: string, gate = false): CriterionResult => {
    let r = cache.get(id);
    if (!r) {
      r = evaluateCriterion(criteria[id]!, read, gate);
      cache.set(id, r);
    }
    return r;
  };
  // Returns the status and the leaves that decided it: a met `any` keeps only its met branches, so a
  // reviewer is not shown the alternatives the record did not need; a branch whose gate is not met is dropped.
  const walk = (t: CriteriaTree): TreeResult => {
    if (typeof t === 'string') {
      const r = leaf(t);
      return { status: r.status, results: [r] };
    }
    if ('if' in t) {
      const g = leaf(t.if, true);
      if (g.status === 'not-met') return { status: 'n/a', results: [] };
      const then = walk(t.then);
      const status: Status = g.status === 'met' ? (then.status === 'n/a' ? 'met' : then.status) : then.status === 'not-met' ? 'not-met' : 'unknown';
      return { status, results: [g, ...then.results] };
    }
    const kids = ('all' in t ? t.all : t.any).map(walk).filter((k) => k.status !== 'n/a');
    if (kids.length === 0) return { status: 'all' in t ? 'met' : 'not-met', results: [] };
    const statuses = kids.map((k) => k.status);
    const status: Status =
      'all' in t
        ? statuses.includes('not-met') ? 'not-met' : statuses.includes('unknown') ? 'unknown' : 'met'
        : statuses.includes('met') ? 'met' : statuses.includes('unknown') ? 'unknown' : 'not-met';
    const deciding = 'any' in t && status === 'met' ? kids.filter((k) => k.status === 'met') : kids;
    return { status, results: deciding.flatMap((k) => k.results) };
  };
  const { status, results } = walk(tree);
  return { status: status === 'n/a' ? 'not-met' : status, results: [...new Map(results.map((r) => [r.id, r])).values()] };
}
