// Every source the determination rests on, once each: the policy, each criterion's and finding's
// citation, the alternatives' and advisories' sources, and the record entries used as evidence.
import type { Determination } from '../criteria';
import type { DialogRequest } from './EvidenceDialog';

export function citationsOf(d: Determination): string[] {
  const all = [
    ...d.criteria.map((c) => c.citation),
    ...d.findings.map((f) => f.citation),
    ...d.alternatives.map((a) => a.citation),
    ...d.advisories.map((a) => a.citation),
  ];
  return [...new Set(all.filter(Boolean))];
}

export function evidenceRefsOf(d: Determination): string[] {
  const refs = [...d.criteria.flatMap((c) => c.evidence), ...d.findings.flatMap((f) => f.evidence)].map((e) => e.reference);
  return [...new Set(refs)].sort();
}

export function Citations({ d, onOpen }: { d: Determination; onOpen: (r: DialogRequest) => void }) {
  const refs = evidenceRefsOf(d);
  return (
    <section className="panel citations" aria-labelledby="citations-title">
      <h2 id="citations-title">Citations</h2>
      <ol>
        <li>
          <a href={d.policy.url} target="_blank" rel="noreferrer">
            {d.policy.publisher}, {d.policy.title} ({d.policy.id}, version {d.policy.version})
          </a>
        </li>
        {citationsOf(d).map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      {refs.length > 0 && (
        <>
          <h3 className="subhead">Record entries used</h3>
          <ul className="ref-list">
            {refs.map((r) => (
              <li key={r}>
                <button type="button" className="link-button" onClick={() => onOpen({ reference: r })}>
                  {r}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
