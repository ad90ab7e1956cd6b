// The patient's payer, plan, member id and home state, as the sandbox FHIR server holds them now,
// and a form to change them (written through the FHIR server: sandbox/ehr-coverage.ts), so the same
// orders can be signed again under another payer or jurisdiction. "Restore" puts the record back.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { changeCoverage, readCoverage, restoreCoverage, type CoverageSummary, type EhrConfig } from './api';

interface Props {
  config: EhrConfig;
  patientId: string;
  /** Called after every change, so the page can say the cards shown are from before it. */
  onChanged: (summary: CoverageSummary) => void;
}

export function CoveragePanel({ config, patientId, onChanged }: Props) {
  const [current, setCurrent] = useState<CoverageSummary>();
  const [payer, setPayer] = useState('');
  const [state, setState] = useState('');
  const [memberId, setMemberId] = useState('');
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ids = { payer: useId(), state: useId(), member: useId() };

  useEffect(() => {
    setCurrent(undefined);
    setStatus(undefined);
    readCoverage(patientId).then(
      (s) => {
        setCurrent(s);
        setState(s.state ?? '');
        setMemberId('');
        setPayer('');
      },
      (e: Error) => setStatus(`Could not read the coverage: ${e.message}`),
    );
  }, [patientId]);

  async function run(what: () => Promise<CoverageSummary>, done: string) {
    setBusy(true);
    setStatus(undefined);
    try {
      const s = await what();
      setCurrent(s);
      setState(s.state ?? '');
      setStatus(done);
      onChanged(s);
    } catch (e) {
      setStatus(`The change was not made: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    void run(
      () => changeCoverage({ patientId, payer: payer || undefined, state: state && state !== current?.state ? state : undefined, memberId: memberId.trim() || undefined }),
      'Saved to the sandbox FHIR server. Sign again to see the cards under it.',
    );
  }

  return (
    <section className="ehr-coverage" aria-labelledby="coverage-title">
      <h2 id="coverage-title">Payer and state</h2>
      {current ? (
        <p className="coverage-now" data-testid="coverage-now">
          {current.payer ? (
            <>
              <strong>{current.payer}</strong>
              {current.planType && ` · ${current.planType}`}
              {current.memberId && ` · member id ${current.memberId}`}
            </>
          ) : (
            <strong>No active coverage</strong>
          )}
          {` · state ${current.state ?? 'not recorded'}`}
          {current.changed && ' · changed on this bench'}
        </p>
      ) : (
        !status && <p role="status">Reading the coverage…</p>
      )}
      <form className="coverage-form" onSubmit={apply}>
        <div>
          <label htmlFor={ids.payer}>Payer</label>
          <select id={ids.payer} value={payer} onChange={(e) => setPayer(e.target.value)}>
            <option value="">(keep)</option>
            {config.payers.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name} — {p.note}
              </option>
            ))}
            <option value="none">No coverage</option>
          </select>
        </div>
        <div>
          <label htmlFor={ids.state}>State</label>
          <select id={ids.state} value={state} onChange={(e) => setState(e.target.value)}>
            {!current?.state && <option value="">(not recorded)</option>}
            {config.states.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.member}>Member id</label>
          <input id={ids.member} value={memberId} onChange={(e) => setMemberId(e.target.value)} placeholder="(keep)" maxLength={40} />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Apply
        </button>
        <button type="button" onClick={() => void run(() => restoreCoverage(patientId), 'Restored as loaded.')} disabled={busy || !current?.changed}>
          Restore
        </button>
      </form>
      {status && (
        <p role="status" className={status.startsWith('The change') || status.startsWith('Could not') ? 'ehr-error' : 'feedback-sent'}>
          {status}
        </p>
      )}
    </section>
  );
}
