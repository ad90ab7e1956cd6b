// The first thing on the review screen: the outcome, big, in colour with an icon and words (never
// colour alone), the one-sentence summary, the reasons it rests on, and what a reader must know about
// the record or the order (a deleted code, a date in the future).
import type { Determination } from '../criteria';
import { OUTCOME_LOOK, orderInWords, unitsOf } from './format';
import { Icon } from './Icon';

export function OutcomeBanner({ d }: { d: Determination }) {
  const look = OUTCOME_LOOK[d.outcome];
  return (
    <section className={`outcome outcome-${look.tone}`} aria-labelledby={`outcome-${d.order.ruleKey}`}>
      <div className="outcome-head">
        <Icon name={look.icon} size={44} />
        <div>
          <p className="outcome-kicker">
            {orderInWords(d.order)}
            {unitsOf(d.order.quantity) ? ` · ${unitsOf(d.order.quantity)}` : ''}
          </p>
          <h2 id={`outcome-${d.order.ruleKey}`} className="outcome-label">
            {look.label}
          </h2>
        </div>
      </div>
      <p className="outcome-summary">{d.summary}</p>
      {d.reasons.length > 0 && (
        <ol className="outcome-reasons">
          {d.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ol>
      )}
      {d.flags.length > 0 && (
        <ul className="outcome-flags">
          {d.flags.map((f) => (
            <li key={f.id}>{f.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
