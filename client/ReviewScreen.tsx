// The review screen for one order: outcome first, then the governing policy and why, each criterion
// with its evidence, one timeline of the care that matters, next steps, advisories and citations; and
// the determination letter, which is what printing prints.
import type { fhir4 } from './fhir-types';
import { useMemo, useState } from 'react';
import type { Determination } from '../criteria';
import { OutcomeBanner } from './OutcomeBanner';
import { PolicyPanel } from './PolicyPanel';
import { CriteriaList } from './CriteriaList';
import { Timeline } from './Timeline';
import { NextSteps } from './NextSteps';
import { Advisories } from './Advisories';
import { Citations } from './Citations';
import { DeterminationLetter } from './DeterminationLetter';
import type { DialogRequest } from './EvidenceDialog';
import { getLibrary } from './library';
import { buildTimeline } from './timeline';

interface Props {
  determinations: Determination[];
  patient: fhir4.Patient;
  resources: fhir4.Resource[];
  fhirBase: string;
  onOpen: (r: DialogRequest) => void;
  onBack?: () => void;
}

export function ReviewScreen({ determinations, patient, resources, fhirBase, onOpen, onBack }: Props) {
  const [preview, setPreview] = useState(false);
  const first = determinations[0]!;
  const timeline = useMemo(
    () =>
      buildTimeline(getLibrary(), resources, {
        reference: first.order.reference,
        authoredOn: first.order.authoredOn ?? first.asOf,
        label: `${first.order.code.code} ${first.order.code.display ?? ''}`.trim(),
      }),
    [resources, first],
  );
  return (
    <>
      <main id="main" className="review screen-only">
        <nav className="toolbar" aria-label="Review actions">
          {onBack && (
            <button type="button" onClick={onBack}>
              ← All orders
            </button>
          )}
          <h1 className="toolbar-title">Determination for {first.order.reference}</h1>
          <button type="button" onClick={() => setPreview((p) => !p)} aria-expanded={preview} aria-controls="letter">
            {preview ? 'Hide letter' : 'Preview letter'}
          </button>
          <button type="button" className="primary" onClick={() => window.print()}>
            Print letter
          </button>
        </nav>
        {determinations.map((d) => (
          <div key={d.order.ruleKey} className="determination">
            <OutcomeBanner d={d} />
            <PolicyPanel d={d} onOpen={onOpen} />
            <CriteriaList d={d} onOpen={onOpen} />
            {d === first && <Timeline data={timeline} onOpen={onOpen} />}
            <NextSteps d={d} />
            <Advisories d={d} />
            <Citations d={d} onOpen={onOpen} />
          </div>
        ))}
      </main>
      <div id="letter" className={`letter-wrap ${preview ? 'preview' : ''}`}>
        <DeterminationLetter determinations={determinations} patient={patient} fhirBase={fhirBase} />
      </div>
    </>
  );
}
