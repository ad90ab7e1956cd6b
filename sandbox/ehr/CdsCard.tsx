// One CDS Hooks card as an EHR shows it: indicator (icon + word + colour), summary, source, the
// detail rendered as safe Markdown, suggestions, and links (a SMART link launches the app with this
// patient and the card's appContext).
import { useState } from 'react';
import type { CdsCard as Card, CdsLink } from './api';
import { Markdown } from './Markdown';

const INDICATOR = {
  critical: { label: 'Critical', symbol: '⛔' },
  warning: { label: 'Warning', symbol: '⚠' },
  info: { label: 'Info', symbol: 'ℹ' },
} as const;

export function CdsCard({ card, onLink }: { card: Card; onLink: (link: CdsLink) => void }) {
  const [accepted, setAccepted] = useState<string | undefined>();
  const ind = INDICATOR[card.indicator] ?? INDICATOR.info;
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
                <button type="button" onClick={() => setAccepted(s.label)} disabled={accepted !== undefined}>
                  {s.isRecommended ? '★ ' : ''}
                  {s.label}
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
          {accepted && <p role="status">Accepted “{accepted}” (the sandbox records nothing).</p>}
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
