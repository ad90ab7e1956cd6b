// Which policy governs this order and why: payer, jurisdiction, coverage entry, and whether it is the
// payer's own policy or the clinical pathway used when none governs (which the reviewer must know).
import type { Determination } from '../criteria';
import { PLAN_WORDS, formatDate, withoutReferences } from './format';
import type { DialogRequest } from './EvidenceDialog';

export function PolicyPanel({ d, onOpen }: { d: Determination; onOpen: (r: DialogRequest) => void }) {
  const { policy, policyChoice: choice } = d;
  const pathway = policy.kind === 'clinical-pathway';
  return (
    <section className="panel policy" aria-labelledby="policy-title">
      <h2 id="policy-title">Governing policy</h2>
      <div className="policy-grid">
        <div className="policy-main">
          <p className={`policy-kind ${pathway ? 'pathway' : 'payer'}`}>{pathway ? 'Clinical pathway (not the payer’s policy)' : 'Payer policy'}</p>
          <p className="policy-title">
            <a href={policy.url} target="_blank" rel="noreferrer">
              {policy.title}
            </a>
          </p>
          <p className="meta">
            {policy.shortName} · {policy.publisher} · version {policy.version} · effective {formatDate(policy.effective)}
          </p>
        </div>
        <dl className="policy-why">
          <dt>Payer</dt>
          <dd>{choice.payerName ?? 'No coverage on file'}</dd>
          <dt>Jurisdiction</dt>
          <dd>{choice.state ?? 'Not needed for this payer'}</dd>
          <dt>Why this policy</dt>
          <dd>{withoutReferences(choice.reason)}</dd>
          {d.coverage && (
            <>
              <dt>Coverage</dt>
              <dd>
                {[d.coverage.payerName, PLAN_WORDS[d.coverage.planKind], d.coverage.memberId && `member id ${d.coverage.memberId}`].filter(Boolean).join(' · ')}{' '}
                <button type="button" className="link-button" onClick={() => onOpen({ reference: d.coverage!.reference, evidence: choice.coverage })}>
                  Open the coverage entry
                </button>
              </dd>
            </>
          )}
          <dt>Judged as of</dt>
          <dd>{formatDate(d.asOf)}</dd>
        </dl>
      </div>
    </section>
  );
}
