// The determination letter a reviewer sends the ordering practitioner (client/letter.ts builds it):
// letterhead, addressee, patient and member id, each order with its date of service and the decision
// in one sentence, the reasons, each criterion with the record entries behind it, what would change
// the decision, the appeal and peer-to-peer paragraphs, the reviewer's signature and the sources. It is
// what the print stylesheet prints (the rest of the screen hides).
import { useMemo } from 'react';
import { buildLetter, type EvidenceLine, type LetterInput } from './letter';

function Entries({ lines }: { lines: EvidenceLine[] }) {
  return (
    <ul className="letter-entries">
      {lines.map((e, i) => (
        <li key={i}>
          <span className="letter-ev-date">{e.date}</span> {e.what}
          {e.value ? `: ${e.value}` : ''}
          {e.quote && <q className="letter-quote">{e.quote}</q>}
        </li>
      ))}
    </ul>
  );
}

export function DeterminationLetter(props: LetterInput) {
  const { determinations, patient, resources, fhirBase, today, user, config, hypothetical } = props;
  const letter = useMemo(
    () => buildLetter({ determinations, patient, resources, fhirBase, today, user, config, hypothetical }),
    [determinations, patient, resources, fhirBase, today, user, config, hypothetical],
  );
  if (!letter) return null;
  const { letterhead: head, patient: who } = letter;
  return (
    <article className="letter" aria-label="Determination letter">
      <header className="letter-head" data-section="letterhead">
        <p className="letter-org">{head.organisation}</p>
        {head.department && <p className="letter-dept">{head.department}</p>}
        <p className="letter-address">{head.address.join(' · ')}</p>
        {head.contact.length > 0 && <p className="letter-contact">{head.contact.join(' · ')}</p>}
      </header>
      {letter.hypothetical && (
        <p className="letter-hypothetical" data-section="hypothetical">
          Hypothetical evaluation: no order was placed and nothing was written to the record. This is not a determination on an order.
        </p>
      )}
      <p className="letter-date" data-section="date">
        {letter.date}
      </p>
      <address className="letter-to" data-section="addressee">
        <span className="letter-label">To:</span> {letter.addressee.name}
        {letter.addressee.organisation && <>, {letter.addressee.organisation}</>}
      </address>
      <h2>Medical-necessity determination</h2>
      <table className="letter-facts" data-section="patient">
        <tbody>
          <tr>
            <th scope="row">Patient</th>
            <td>{who.name}</td>
          </tr>
          <tr>
            <th scope="row">Date of birth</th>
            <td>
              {who.born}
              {who.age && ` (age ${who.age.replace(' y', '')})`}
            </td>
          </tr>
          <tr>
            <th scope="row">Health plan</th>
            <td>
              {who.payer}
              {who.plan && ` (${who.plan})`}
            </td>
          </tr>
          <tr>
            <th scope="row">Member id</th>
            <td>{who.memberId}</td>
          </tr>
        </tbody>
      </table>
      <p>{letter.salutation}</p>
      {letter.orders.map((o) => (
        <section key={o.key} className="letter-determination" data-section="order">
          <h3>{o.title}</h3>
          <table className="letter-facts">
            <tbody>
              {o.units && (
                <tr>
                  <th scope="row">Quantity</th>
                  <td>{o.units}</td>
                </tr>
              )}
              {o.orderNumber && (
                <tr>
                  <th scope="row">Order number</th>
                  <td>{o.orderNumber}</td>
                </tr>
              )}
              <tr>
                <th scope="row">Ordered</th>
                <td>{o.authored}</td>
              </tr>
              <tr>
                <th scope="row">Date of service</th>
                <td>
                  {o.dateOfService}
                  {o.dateOfServiceNote && <span className="letter-note"> ({o.dateOfServiceNote})</span>}
                </td>
              </tr>
            </tbody>
          </table>
          <p className="letter-decision" data-section="decision">
            <strong>Decision:</strong> {o.decision.sentence}
          </p>
          <p data-section="policy">
            <strong>Policy applied:</strong> {o.policy}
          </p>
          {o.reasons.length > 0 && (
            <div data-section="reasons">
              <h4>Reasons</h4>
              <ol>
                {o.reasons.map((r) => (
                  <li key={r.text}>
                    {r.text}
                    {r.evidence.length > 0 && <Entries lines={r.evidence} />}
                  </li>
                ))}
              </ol>
            </div>
          )}
          {o.criteria.length > 0 && (
            <div data-section="criteria">
              <h4>Criteria and the record entries behind them</h4>
              <table className="letter-criteria">
                <thead>
                  <tr>
                    <th scope="col">Criterion</th>
                    <th scope="col">Status</th>
                    <th scope="col">Record evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {o.criteria.map((c, i) => (
                    <tr key={i}>
                      <td>
                        {c.text}
                        {c.finding && <span className="letter-finding">{c.finding}</span>}
                      </td>
                      <td>{c.status}</td>
                      <td className="letter-evidence">{c.evidence.length > 0 ? <Entries lines={c.evidence} /> : <span className="letter-note">{c.none}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {o.otherFindings.length > 0 && (
            <div data-section="other-findings">
              <h4>Other findings</h4>
              <ul>
                {o.otherFindings.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
            </div>
          )}
          {(o.change.length > 0 || o.alternatives.length > 0) && (
            <div data-section="change">
              <h4>What would change this decision</h4>
              {o.change.length > 0 && (
                <ul>
                  {o.change.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
              )}
              {o.alternatives.length > 0 && (
                <>
                  <p>Alternatives to consider:</p>
                  <ul>
                    {o.alternatives.map((a) => (
                      <li key={a}>{a}</li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          )}
          {o.advisories.length > 0 && (
            <div data-section="advisories">
              <h4>Also relevant</h4>
              <ul>
                {o.advisories.map((a) => (
                  <li key={a}>{a}</li>
                ))}
              </ul>
            </div>
          )}
          {o.notes.length > 0 && (
            <div data-section="notes">
              <h4>Notes</h4>
              <ul>
                {o.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </div>
          )}
        </section>
      ))}
      {letter.appeal.length > 0 && (
        <section data-section="appeal">
          <h3>Appeal and peer-to-peer review</h3>
          {letter.appeal.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </section>
      )}
      <section className="letter-signature" data-section="reviewer">
        <p>Sincerely,</p>
        <p className="signature-line" aria-hidden="true">
          &nbsp;
        </p>
        <p>
          <strong>{letter.reviewer.name ?? 'Reviewer: ______________________________'}</strong>
          {letter.reviewer.credentials && `, ${letter.reviewer.credentials}`}
        </p>
        {letter.reviewer.title && <p>{letter.reviewer.title}</p>}
        <p>{head.organisation}</p>
      </section>
      <footer className="letter-foot" data-section="sources">
        <h4>Sources</h4>
        <ol className="letter-citations">
          {letter.sources.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ol>
        <p>{letter.prepared}</p>
      </footer>
    </article>
  );
}
