// Order-level checks a reviewer makes whatever the policy: a diagnosis that does not match the
// targeted anatomy, an irreversible procedure before reversible ones, pain generators not yet
// differentiated, too little conservative care before a destructive procedure. Each check is data
// (criteria/checks/order-checks.json): the rule keys it applies to, a tree over its own criteria (on
// the shared fact catalogue), its words, citation and alternative. It fires when its tree is met.
import { evaluateTree } from './evaluate';
import type { FactReader } from './facts';
import type { Alternative, Finding, OrderCheckSpec, PolicyLibrary, RuleKey } from './model';

export interface CheckResult {
  findings: Finding[];
  alternatives: Alternative[];
  /** Checks that keep an approvable order from being approved as written. */
  downgrades: NonNullable<OrderCheckSpec['downgrade']>[];
}

/** Runs every check with the order's fact reader, so facts the criteria already computed are reused. */
export function runChecks(lib: PolicyLibrary, key: RuleKey, read: FactReader): CheckResult {
  const out: CheckResult = { findings: [], alternatives: [], downgrades: [] };
  for (const spec of lib.checks) {
    if (!spec.appliesTo.includes(key)) continue;
    const r = evaluateTree(spec.when, spec.criteria, read);
    if (r.status !== 'met' && !(r.status === 'unknown' && spec.firesWhenUnknown)) continue;
    out.findings.push({
      id: spec.id,
      text: `${spec.text} ${r.results.map((x) => x.summary).join('; ')}.`,
      evidence: r.results.flatMap((x) => x.evidence),
      citation: spec.citation,
      confidence: spec.confidence,
      verified: spec.verified,
    });
    if (spec.alternative) out.alternatives.push(spec.alternative);
    if (spec.downgrade) out.downgrades.push(spec.downgrade);
  }
  return out;
}
