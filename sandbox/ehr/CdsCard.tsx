// One CDS Hooks card as an EHR shows it: indicator (icon + word + colour), summary, source, the
// detail rendered as safe Markdown, suggestions, links (a SMART link launches the app with this
// patient and the card's appContext), and what a clinician does with a card: accept it or one of its
// suggestions, or override it with one of the card's overrideReasons and a comment. Each of those is
// a real feedback POST (onFeedback); the card shows what the service answered.
import { useId, useState, type FormEvent } from 'react';
import type { CdsCard as Card, CdsLink, FeedbackEntry } from './api';
import { Markdown } from './Markdown';

const INDICATOR = {
  critical: { label: 'Critical', symbol: '⛔' },
  warning: { label: 'Warning', symbol: '⚠' },
  info: { label: 'Info', symbol: 'ℹ' },
} as const;

interface Props {
  card: Card;
  onLink: (link: CdsLink) => void;
  /** Sends one feedback entry; resolves with the service's HTTP status. */
  onFeedback: (entry: FeedbackEntry) => Promise<number>;
}

export function CdsCard({ card, onLink, onFeedback }: Props) {
  const [sent, setSent] = useState<{ what: string; status?: number; error?: string }>();
  const [overriding, setOverriding] = useState(false);
  const [reason, setReason] = useState(card.overrideReasons?.[0]?.code ?? '');
  const [comment, setComment] = useState('');
  const ids = { reason: useId(), comment: useId() };
  const ind = INDICATOR[card.indicator] ?? INDICATOR.info;
  const busy = sent !== undefined && sent.status === undefined && !sent.error;
  const done = sent?.status !== undefined && sent.status < 400;

  async function feedback(what: string, entry: Omit<FeedbackEntry, 'card' | 'outcomeTimestamp'>) {
    if (!card.uuid) return;
    setSent({ what });
    try {
      const status = await onFeedback({ card: card.uuid, outcomeTimestamp: new Date().toISOString(), ...entry });
      setSent({ what, status });
      if (status < 400) setOverriding(false);
    } catch (e) {
      setSent({ what, error: (e as Error).message });
    }
  }

  function override(e: FormEvent) {
    e.preventDefault();
    const coding = card.overrideReasons?.find((r) => r.code === reason);
    void feedback(`Overridden${coding?.display ? `: ${coding.display}` : ''}`, {
      outcome: 'overridden',
      overrideReason: { ...(coding ? { reason: coding } : {}), ...(comment.trim() ? { userComment: comment.trim() } : {}) },
    });
  }

  return (
    <article className={`cds-card indicator-${card.indicator}`} aria-label={`${ind.label} card: ${card.summary}`}>
      <header>
        <span className="indicator">
          <span aria-hidden="true">{ind.symbol}</span> {ind.label}
        </span>
        <h3>{card.summary}</h3>
      </header>
      {card.detail && <Markdown source={card.detail} />}
      {card.suggestions && card.suggestions.length > 0 && (
        <div className="suggestions">
          <h4>Suggestions</h4>
          <ul>
            {card.suggestions.map((s, i) => (
              <li key={s.uuid ?? i}>
                <button
                  type="button"
                  onClick={() => void feedback(`Accepted “${s.label}”`, { outcome: 'accepted', ...(s.uuid ? { acceptedSuggestions: [{ id: s.uuid }] } : {}) })}
                  disabled={!card.uuid || busy || done}
                >
                  {s.isRecommended ? '★ ' : ''}Accept: {s.label}
                </button>
                <ul className="actions meta">
                  {(s.actions ?? []).map((a, j) => (
                    <li key={j}>
                      {a.type}: {a.description ?? a.resource?.resourceType ?? a.resourceId?.join(', ')}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
      {card.links && card.links.length > 0 && (
        <div className="links">
          {card.links.map((l, i) => (
            <button key={i} type="button" className={l.type === 'smart' ? 'primary' : ''} onClick={() => onLink(l)}>
              {l.label}
              {l.type === 'absolute' ? ' ↗' : ''}
            </button>
          ))}
        </div>
      )}
      {card.uuid && (
        <div className="card-feedback">
          {!card.suggestions?.length && (
            <button type="button" onClick={() => void feedback('Accepted', { outcome: 'accepted' })} disabled={busy || done}>
              Accept
            </button>
          )}
          <button type="button" onClick={() => setOverriding((o) => !o)} aria-expanded={overriding} disabled={busy || done}>
            Override…
          </button>
          {overriding && (
            <form className="override-form" onSubmit={override}>
              {card.overrideReasons && card.overrideReasons.length > 0 && (
                <>
                  <label htmlFor={ids.reason}>Reason</label>
                  <select id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)}>
                    {card.overrideReasons.map((r) => (
                      <option key={r.code} value={r.code}>
                        {r.display ?? r.code}
                      </option>
                    ))}
                  </select>
                </>
              )}
              <label htmlFor={ids.comment}>Comment (optional)</label>
              <textarea id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={500} />
              <button type="submit" className="primary" disabled={busy}>
                Send override
              </button>
            </form>
          )}
          {sent && (
            <p role="status" className={sent.error || (sent.status ?? 0) >= 400 ? 'ehr-error' : 'feedback-sent'}>
              {sent.error
                ? `${sent.what}: the feedback could not be sent (${sent.error}).`
                : sent.status === undefined
                  ? `${sent.what}: sending feedback…`
                  : sent.status < 400
                    ? `${sent.what}: feedback stored by the service (HTTP ${sent.status}).`
                    : `${sent.what}: the service refused the feedback (HTTP ${sent.status}).`}
            </p>
          )}
        </div>
      )}
      <footer className="meta">
        Source:{' '}
        {card.source.url ? (
          <a href={card.source.url} target="_blank" rel="noreferrer">
            {card.source.label}
          </a>
        ) : (
          card.source.label
        )}
      </footer>
    </article>
  );
}
