// Shown above the review of a documentation-needed order: what is missing, and the way into the form.
import type { Determination } from '../../criteria';
import { getLibrary } from '../library';
import './documentation.css';

export function DocumentationPrompt({ d, onStart }: { d: Determination; onStart(): void }) {
  const lib = getLibrary();
  const labels = (d.questions ?? []).map((f) => lib.facts.get(f)?.label ?? f);
  if (labels.length === 0) return null;
  return (
    <section className="doc-prompt screen-only" aria-label="Documentation needed">
      <p>
        <strong>Documentation needed for {d.order.code.code}:</strong> {labels.join('; ')}. Answer {labels.length === 1 ? 'it' : 'them'} here and see the
        determination change.
      </p>
      <button type="button" className="primary" onClick={onStart}>
        Complete documentation
      </button>
    </section>
  );
}
