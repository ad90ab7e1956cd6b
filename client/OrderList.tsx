// Shown when the launch names no order: the patient's draft and active in-scope orders, each with its
// outcome at a glance, to pick one to review; and a way to try a procedure the record has no order for.
import type { Determination } from '../criteria';
import { OUTCOME_LOOK, formatDate, orderInWords, unitsOf } from './format';
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

interface Props {
  groups: OrderGroup[];
  onPick: (reference: string) => void;
  onTry?: () => void;
  notice?: string;
}

export function OrderList({ groups, onPick, onTry, notice }: Props) {
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
                <span className="order-title">{orderInWords(first.order)}</span>
                <span className="meta">
                  {[first.order.status, `ordered ${formatDate(first.order.authoredOn)}`, unitsOf(first.order.quantity)].filter(Boolean).join(' · ')}
                </span>
                <span className="order-outcomes">
                  {g.determinations.map((d) => {
                    const look = OUTCOME_LOOK[d.outcome];
                    return (
                      <span key={d.order.ruleKey} className={`status-chip tone-${look.tone}`}>
                        <Icon name={look.icon} size={16} />
                        {g.determinations.length > 1 ? `${d.order.reading ?? d.order.code.code}: ` : ''}
                        {look.label}
                      </span>
                    );
                  })}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {onTry && (
        <p>
          <button type="button" className="link-button" onClick={onTry}>
            Try another procedure against this record (hypothetical)
          </button>
        </p>
      )}
    </main>
  );
}
