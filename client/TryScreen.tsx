// Shown when the record has no in-scope order (or asked for from the order list): pick a procedure
// code, describe it when the code is unlisted, and see how the record fares against it. The form
// says, before anything runs, that the evaluation is hypothetical and writes nothing.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { choiceProblem, tryableCodes, type HypotheticalChoice } from './hypothetical';
import { getLibrary } from './library';
import { systemName } from './format';
import { Icon } from './Icon';

interface Props {
  today: string;
  /** "Condition: 1, Procedure: 0…": what was read, when the record had nothing to review. */
  readCounts?: string[];
  onEvaluate: (choice: HypotheticalChoice) => void;
  onBack?: () => void;
}

export function TryScreen({ today, readCounts, onEvaluate, onBack }: Props) {
  const codes = useMemo(() => tryableCodes(getLibrary()), []);
  const [code, setCode] = useState(codes[0]?.code ?? '');
  const [description, setDescription] = useState('');
  const [dateOfService, setDateOfService] = useState('');
  const [problem, setProblem] = useState<string>();
  const ids = { description: useId(), date: useId(), hint: useId(), problem: useId() };
  const chosen = codes.find((c) => c.code === code);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!chosen) return;
    const choice: HypotheticalChoice = { code: chosen, description, dateOfService };
    const why = choiceProblem(choice, today);
    setProblem(why);
    if (!why) onEvaluate(choice);
  }

  return (
    <main id="main" className="try-screen">
      {onBack && (
        <nav className="toolbar" aria-label="Review actions">
          <button type="button" onClick={onBack}>
            ← All orders
          </button>
        </nav>
      )}
      {readCounts ? (
        <section className="panel">
          <div className="error-head">
            <Icon name="question" size={36} />
            <h1>Nothing to review for this patient</h1>
          </div>
          <p>
            This patient has no draft or active order for CPT 27096, 64451, 64625, 64772, 64999 or HCPCS G0260, J1100, so there is no determination to
            show. Check that this is the patient you meant to open.
          </p>
          {readCounts.length > 0 && <p className="meta">Read from the record: {readCounts.join(', ')}.</p>}
        </section>
      ) : (
        <h1>Evaluate a procedure against this record</h1>
      )}
      <section className="panel" aria-labelledby="try-title">
        <h2 id="try-title">Try a procedure against this record</h2>
        <p className="hypothetical-note">
          <strong>Hypothetical.</strong> The app builds a draft order in this browser and judges the record against it. Nothing is written to the
          EHR and no order is placed.
        </p>
        <form onSubmit={submit} noValidate>
          <fieldset className="try-codes">
            <legend>Procedure code</legend>
            {codes.map((c) => (
              <label key={c.code} className="try-code">
                <input type="radio" name="code" value={c.code} checked={code === c.code} onChange={() => setCode(c.code)} />
                <span>
                  <strong>
                    {systemName(c.system)} {c.code}
                  </strong>{' '}
                  {c.title}
                </span>
              </label>
            ))}
          </fieldset>
          <div className="try-field">
            <label htmlFor={ids.description}>
              Procedure in words{chosen?.needsDescription ? ' (required for an unlisted code)' : ' (optional)'}
            </label>
            <input
              id={ids.description}
              type="text"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              aria-describedby={ids.hint}
              aria-invalid={problem && chosen?.needsDescription && !description.trim() ? true : undefined}
              aria-required={chosen?.needsDescription ? true : undefined}
            />
            <p id={ids.hint} className="meta">
              {chosen?.needsDescription
                ? `The words decide what the unlisted code means: ${chosen.readings.join('; ')}.`
                : 'As the order would say it, e.g. the side or “diagnostic block”.'}
            </p>
          </div>
          <div className="try-field">
            <label htmlFor={ids.date}>Date of service (optional; default today)</label>
            <input id={ids.date} type="date" value={dateOfService} onChange={(e) => setDateOfService(e.target.value)} />
          </div>
          {problem && (
            <p id={ids.problem} className="try-problem" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="primary">
            Evaluate (hypothetical)
          </button>
        </form>
      </section>
    </main>
  );
}
