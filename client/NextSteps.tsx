// What to do next: the documentation the record lacks (a checklist), and the evidence-based
// alternative pathway, in order. An alternative the engine itself judges not approvable (its
// assessment) is shown as advice with the reason, never as an order to place.
import type { Determination } from '../criteria';
import { adviceOnly, confidenceNote } from './format';

export function NextSteps({ d }: { d: Determination }) {
  if (d.missing.length === 0 && d.alternatives.length === 0 && d.notes.length === 0) return null;
  return (
    <section className="panel next-steps" aria-labelledby="next-title">
      <h2 id="next-title">Next steps</h2>
      <div className="next-grid">
        {d.missing.length > 0 && (
          <div>
            <h3>Missing documentation</h3>
            <ul className="checklist">
              {d.missing.map((m) => (
                <li key={m}>
                  <span className="box" aria-hidden="true" />
                  {m}
                </li>
              ))}
            </ul>
          </div>
        )}
        {d.alternatives.length > 0 && (
          <div>
            <h3>Alternatives</h3>
            <ol className="pathway">
              {d.alternatives.map((a) => (
                <li key={a.id}>
                  <p>{a.text}</p>
                  {a.action && adviceOnly(a) && <p className="advice-only">{adviceOnly(a)}</p>}
                  {a.action && !adviceOnly(a) && (
                    <p className="meta">
                      {a.action.kind === 'replace-order' ? 'Order instead' : 'Add order'}: {a.action.code.code} {a.action.code.display}
                    </p>
                  )}
                  <p className="citation">
                    {a.citation} <span className="confidence">({confidenceNote(a)})</span>
                  </p>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
      {d.notes.length > 0 && (
        <ul className="notes">
          {d.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
