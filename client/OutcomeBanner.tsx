// The first thing on the review screen: the outcome, big, in colour with an icon and words (never
// colour alone), the one-sentence summary, and the reasons it rests on.
import type { Determination } from '../criteria';
import { OUTCOME_LOOK } from './format';
import { Icon } from './Icon';

export function OutcomeBanner({ d }: { d: Determination }) {
  const look = OUTCOME_LOOK[d.outcome];
  return (
    <section className={`outcome outcome-${look.tone}`} aria-labelledby={`outcome-${d.order.ruleKey}`}>
      <div className="outcome-head">
        <Icon name={look.icon} size={44} />
        <div>
          <p className="outcome-kicker">
            {d.order.code.code} · {d.order.code.display ?? d.order.text ?? d.order.ruleKey}
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
    </section>
  );
}
