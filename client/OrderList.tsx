// Shown when the launch names no order: the patient's draft and active in-scope orders, each with its
// outcome at a glance, to pick one to review.
import type { Determination } from '../criteria';
import { OUTCOME_LOOK, formatDate } from './format';
import { Icon } from './Icon';

export interface OrderGroup {
  reference: string;
  determinations: Determination[];
}

export function groupByOrder(ds: Determination[]): OrderGroup[] {
  const groups = new Map<string, Determination[]>();
  for (const d of ds) groups.set(d.order.reference, [...(groups.get(d.order.reference) ?? []), d]);
  return [...groups].map(([reference, determinations]) => ({ reference, determinations }));
}

export function OrderList({ groups, onPick, notice }: { groups: OrderGroup[]; onPick: (reference: string) => void; notice?: string }) {
  return (
    <main id="main" className="order-list">
      <h1>Orders to review</h1>
      {notice && <p className="notice">{notice}</p>}
      <p>Draft and active sacroiliac-joint and sacral-nerve orders for this patient. Pick one to see its determination.</p>
      <ul>
        {groups.map((g) => {
          const first = g.determinations[0]!;
          return (
            <li key={g.reference}>
              <button type="button" className="order-card" onClick={() => onPick(g.reference)}>
                <span className="order-title">
                  {first.order.code.code} · {first.order.code.display ?? first.order.text ?? first.order.ruleKey}
                </span>
                <span className="meta">
                  {g.reference} · {first.order.status} · authored {formatDate(first.order.authoredOn)}
                </span>
                <span className="order-outcomes">
                  {g.determinations.map((d) => {
                    const look = OUTCOME_LOOK[d.outcome];
                    return (
                      <span key={d.order.ruleKey} className={`status-chip tone-${look.tone}`}>
                        <Icon name={look.icon} size={16} />
                        {d.order.ruleKey}: {look.label}
                      </span>
                    );
                  })}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
