// Each criterion of the governing policy with its status (icon + word + colour), how it was reached,
// the record entries behind it and its citation; above them, a tally bar so the balance is visible at
// a glance. Findings (reasons outside the criteria tree, already stated in full as reasons above) follow
// by their title only, with the entries behind them.
import type { CriterionResult, Determination, Status } from '../criteria';
import { STATUS_LOOK, confidenceNote, noEvidence } from './format';
import { Icon } from './Icon';
import { EvidenceList } from './EvidenceList';
import type { DialogRequest } from './EvidenceDialog';

function Tally({ criteria }: { criteria: CriterionResult[] }) {
  const order: Status[] = ['met', 'not-met', 'unknown'];
  const counts = order.map((s) => ({ s, n: criteria.filter((c) => c.status === s).length }));
  const total = criteria.length || 1;
  return (
    <div className="tally">
      <div className="tally-bar" aria-hidden="true">
        {counts.map(({ s, n }) => n > 0 && <span key={s} className={`tally-${STATUS_LOOK[s].tone}`} style={{ width: `${(n / total) * 100}%` }} />)}
      </div>
      <p className="tally-text">
        {counts.map(({ s, n }) => `${n} ${STATUS_LOOK[s].label.toLowerCase()}`).join(' · ')}
      </p>
    </div>
  );
}

/** "Diagnosis–procedure mismatch: a lumbar-only…" → "Diagnosis–procedure mismatch": the reason itself is stated above. */
function findingTitle(text: string): string {
  const at = text.indexOf(': ');
  return at > 0 && at <= 80 ? text.slice(0, at) : text;
}

export function CriteriaList({ d, onOpen }: { d: Determination; onOpen: (r: DialogRequest) => void }) {
  return (
    <section className="panel" aria-labelledby="criteria-title">
      <h2 id="criteria-title">Criteria</h2>
      {d.criteria.length === 0 ? (
        <p>This policy decides this code without criteria: {d.outcome === 'not-medically-necessary' ? 'it excludes the procedure.' : 'see the reasons above.'}</p>
      ) : (
        <>
          <Tally criteria={d.criteria} />
          <ul className="criteria">
            {d.criteria.map((c) => {
              const look = STATUS_LOOK[c.status];
              return (
                <li key={c.id} className={`criterion status-${look.tone}`}>
                  <div className="criterion-head">
                    <span className={`status-chip tone-${look.tone}`}>
                      <Icon name={look.icon} size={18} />
                      {look.label}
                    </span>
                    <h3>{c.text}</h3>
                  </div>
                  <p className="criterion-summary">{c.summary}</p>
                  {c.status === 'unknown' && c.missing && <p className="criterion-missing">To document: {c.missing}</p>}
                  <EvidenceList evidence={c.evidence} onOpen={onOpen} empty={noEvidence(c)} />
                  <p className="citation">
                    {c.citation} <span className="confidence">({confidenceNote(c)})</span>
                  </p>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {d.findings.length > 0 && (
        <>
          <h3 className="subhead">The record behind the other reasons</h3>
          <ul className="criteria findings">
            {d.findings.map((f) => (
              <li key={f.id} className="criterion">
                <h4 className="finding-text">{d.reasons.includes(f.text) ? findingTitle(f.text) : f.text}</h4>
                <EvidenceList evidence={f.evidence} onOpen={onOpen} />
                <p className="citation">
                  {f.citation} <span className="confidence">({confidenceNote(f)})</span>
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
