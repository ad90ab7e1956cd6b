// What the service's feedback store holds for the cards this page has shown: read back from the store
// (GET /ehr/api/feedback, sandbox only), not from the page's memory, so it shows what was really stored.
import { useEffect, useState } from 'react';
import { readFeedback, type StoredFeedback } from './api';

export function FeedbackLog({ cards, version }: { cards: string[]; version: number }) {
  const [entries, setEntries] = useState<StoredFeedback[]>();
  const [error, setError] = useState<string>();
  const key = cards.join(',');

  useEffect(() => {
    // `version` changes after each feedback POST: the store is read again.
    if (!key) return;
    readFeedback(key.split(',').slice(-50)).then(
      (r) => {
        setEntries(r.entries);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [key, version]);

  if (cards.length === 0) return null;
  return (
    <section className="ehr-feedback" aria-labelledby="feedback-title">
      <h2 id="feedback-title">Stored feedback</h2>
      {error && <p className="ehr-error">Could not read the feedback store: {error}</p>}
      {!entries && !error && <p role="status">Reading the feedback store…</p>}
      {entries && entries.length === 0 && <p>No feedback stored yet for the cards shown on this page.</p>}
      {entries && entries.length > 0 && (
        <table className="ehr-orders">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Card</th>
              <th scope="col">Outcome</th>
              <th scope="col">Reason or suggestion</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{e.outcomeTimestamp.replace('T', ' ').slice(0, 19)}</td>
                <td>
                  <code>{e.card.slice(0, 8)}</code>
                </td>
                <td>{e.outcome}</td>
                <td>
                  {e.overrideReason?.reason?.display ?? e.overrideReason?.reason?.code}
                  {e.overrideReason?.userComment && <> “{e.overrideReason.userComment}”</>}
                  {e.acceptedSuggestions?.map((s) => <code key={s.id}>{s.id.slice(0, 8)}</code>)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
