// Guidance that applies beside the policy (e.g. BMJ 2025 against joint RFA for chronic axial pain),
// each with the basis for applying it, or for suppressing it when an exception holds.
import type { Determination } from '../criteria';
import { confidenceNote } from './format';

export function Advisories({ d }: { d: Determination }) {
  if (d.advisories.length === 0) return null;
  return (
    <section className="panel advisories" aria-labelledby="advisories-title">
      <h2 id="advisories-title">Advisories</h2>
      <ul>
        {d.advisories.map((a) => (
          <li key={a.id} className="advisory">
            <h3>
              <span className="advisory-tag">{a.safety ? 'Patient safety' : 'Advisory'}</span> {a.title}
            </h3>
            <p>{a.text}</p>
            <p className="meta">Why it applies: {a.basis}</p>
            <p className="citation">
              <a href={a.url} target="_blank" rel="noreferrer">
                {a.citation}
              </a>{' '}
              <span className="confidence">({confidenceNote(a)})</span>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
