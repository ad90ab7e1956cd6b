// Every source the determination rests on, once each: the policy, each criterion's and finding's
// citation, the alternatives' and advisories' sources, and the record entries used as evidence.
import type { Determination, Evidence } from '../criteria';
import type { DialogRequest } from './EvidenceDialog';
import { formatCode, formatDate } from './format';

export function citationsOf(d: Determination): string[] {
  const all = [
    ...d.criteria.map((c) => c.citation),
    ...d.findings.map((f) => f.citation),
    ...d.alternatives.map((a) => a.citation),
    ...d.advisories.map((a) => a.citation),
  ];
  return [...new Set(all.filter(Boolean))];
}

/** Each record entry the determination used, once, in date order. */
export function evidenceOf(d: Determination): Evidence[] {
  const byRef = new Map<string, Evidence>();
  for (const e of [...d.criteria.flatMap((c) => c.evidence), ...d.findings.flatMap((f) => f.evidence)]) if (!byRef.has(e.reference)) byRef.set(e.reference, e);
  return [...byRef.values()].sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
}

export function Citations({ d, onOpen }: { d: Determination; onOpen: (r: DialogRequest) => void }) {
  const entries = evidenceOf(d);
  return (
    <section className="panel citations" aria-labelledby="citations-title">
      <h2 id="citations-title">Citations</h2>
      <ol>
        <li>
          <a href={d.policy.url} target="_blank" rel="noreferrer">
            {d.policy.publisher}, {d.policy.title} ({d.policy.shortName}, version {d.policy.version})
          </a>
        </li>
        {citationsOf(d).map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      {entries.length > 0 && (
        <>
          <h3 className="subhead">Record entries used</h3>
          <ul className="ref-list">
            {entries.map((e) => (
              <li key={e.reference}>
                <button type="button" className="link-button" onClick={() => onOpen({ reference: e.reference, evidence: e })}>
                  {formatDate(e.date)} · {formatCode(e.code && { system: e.code.system, code: e.code.code }) || e.resourceType}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
