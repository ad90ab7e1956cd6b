// The determination letter a reviewer can file: patient, order, governing policy and why, the
// outcome and its reasons, each criterion with its evidence, what is missing, the alternatives, the
// advisories and the citations. It is what the print stylesheet prints (the rest of the screen hides).
import type { fhir4 } from './fhir-types';
import type { Determination } from '../criteria';
import { OUTCOME_LOOK, STATUS_LOOK, ageOn, formatCode, formatDate, patientName } from './format';
import { citationsOf } from './Citations';

interface Props {
  determinations: Determination[];
  patient: fhir4.Patient;
  fhirBase: string;
  reviewer?: string;
}

export function DeterminationLetter({ determinations, patient, fhirBase, reviewer }: Props) {
  const first = determinations[0];
  if (!first) return null;
  const today = new Date().toISOString().slice(0, 10);
  return (
    <article className="letter" aria-label="Determination letter">
      <header className="letter-head">
        <p className="letter-org">Medical-necessity review · sacroiliac joint and sacral nerve procedures</p>
        <h2>Determination letter</h2>
        <p>Date: {formatDate(today)}</p>
      </header>
      <table className="letter-facts">
        <tbody>
          <tr>
            <th scope="row">Patient</th>
            <td>
              {patientName(patient)}, born {formatDate(patient.birthDate)} ({ageOn(patient.birthDate, first.asOf)}), record {patient.id}
            </td>
          </tr>
          <tr>
            <th scope="row">Order</th>
            <td>
              {first.order.reference}, authored {formatDate(first.order.authoredOn)}, status {first.order.status}
            </td>
          </tr>
          <tr>
            <th scope="row">Payer</th>
            <td>{first.policyChoice.payerName ?? 'No coverage on file'}{first.policyChoice.state ? `, state ${first.policyChoice.state}` : ''}</td>
          </tr>
        </tbody>
      </table>
      {determinations.map((d) => (
        <section key={`${d.order.reference}-${d.order.ruleKey}`} className="letter-determination">
          <h3>
            {d.order.code.code} {d.order.code.display ?? d.order.text ?? ''}
            {d.order.quantity && d.order.quantity > 1 ? ` ×${d.order.quantity}` : ''}: {OUTCOME_LOOK[d.outcome].label}
          </h3>
          <p>{d.summary}</p>
          <p>
            <strong>Governing policy:</strong> {d.policy.publisher}, {d.policy.title} ({d.policy.id}, version {d.policy.version}, effective{' '}
            {formatDate(d.policy.effective)}){d.policy.kind === 'clinical-pathway' ? ', a clinical pathway, not the payer’s policy' : ''}. {d.policyChoice.reason}
          </p>
          {d.reasons.length > 0 && (
            <>
              <h4>Reasons</h4>
              <ol>
                {d.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ol>
            </>
          )}
          {d.criteria.length > 0 && (
            <>
              <h4>Criteria</h4>
              <table className="letter-criteria">
                <thead>
                  <tr>
                    <th scope="col">Criterion</th>
                    <th scope="col">Status</th>
                    <th scope="col">Record evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {d.criteria.map((c) => (
                    <tr key={c.id}>
                      <td>{c.text}</td>
                      <td>{STATUS_LOOK[c.status].label}</td>
                      <td>
                        {c.summary}
                        {c.evidence.slice(0, 6).map((e, i) => (
                          <span key={i} className="letter-ev">
                            {formatDate(e.date)} {formatCode(e.code) || e.reference}
                            {e.value ? `: ${e.value}` : ''}
                          </span>
                        ))}
                        {c.evidence.length > 6 && <span className="letter-ev">and {c.evidence.length - 6} more entries</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {d.findings.length > 0 && (
            <>
              <h4>Other findings</h4>
              <ul>
                {d.findings.map((f) => (
                  <li key={f.id}>{f.text}</li>
                ))}
              </ul>
            </>
          )}
          {d.missing.length > 0 && (
            <>
              <h4>Documentation needed</h4>
              <ul>
                {d.missing.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            </>
          )}
          {d.alternatives.length > 0 && (
            <>
              <h4>Alternatives</h4>
              <ol>
                {d.alternatives.map((a) => (
                  <li key={a.id}>{a.text}</li>
                ))}
              </ol>
            </>
          )}
          {d.advisories.length > 0 && (
            <>
              <h4>Advisories</h4>
              <ul>
                {d.advisories.map((a) => (
                  <li key={a.id}>
                    {a.title}: {a.text} ({a.basis})
                  </li>
                ))}
              </ul>
            </>
          )}
          <h4>Citations</h4>
          <ol className="letter-citations">
            <li>
              {d.policy.title}: {d.policy.url}
            </li>
            {citationsOf(d).map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
        </section>
      ))}
      <footer className="letter-foot">
        <p>
          Prepared by decision support from the FHIR record at {fhirBase}, judged as of {formatDate(first.asOf)}. Statements marked as
          resting on secondary summaries are unverified against the published source.
        </p>
        <p className="signature">Reviewer: {reviewer ?? '______________________________'} &nbsp; Signature: ______________________ &nbsp; Date: ____________</p>
      </footer>
    </article>
  );
}
