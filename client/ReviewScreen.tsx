// The review screen for one order: outcome first, then the governing policy and why, each criterion
// with its evidence, one timeline of the care that matters, next steps, advisories and citations; and
// the determination letter, which is what printing prints. A hypothetical evaluation (an order built
// in the browser, see client/hypothetical.ts) says so above everything else and in the letter.
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
import type { LetterInput } from './letter';
import { getLibrary } from './library';
import { buildTimeline } from './timeline';
import { orderInWords } from './format';

interface Props {
  determinations: Determination[];
  /** Everything the letter needs besides the determinations. */
  letter: Omit<LetterInput, 'determinations' | 'hypothetical'>;
  hypothetical?: boolean;
  onOpen: (r: DialogRequest) => void;
  onBack?: () => void;
  backLabel?: string;
}

export function ReviewScreen({ determinations, letter, hypothetical, onOpen, onBack, backLabel = '← All orders' }: Props) {
  const [preview, setPreview] = useState(false);
  const first = determinations[0]!;
  const timeline = useMemo(
    () =>
      buildTimeline(getLibrary(), letter.resources, {
        reference: first.order.reference,
        authoredOn: first.order.authoredOn ?? first.asOf,
        label: `${hypothetical ? 'Hypothetical: ' : ''}${orderInWords(first.order)}`,
      }),
    [letter.resources, first, hypothetical],
  );
  return (
    <>
      <main id="main" className="review screen-only">
        <nav className="toolbar" aria-label="Review actions">
          {onBack && (
            <button type="button" onClick={onBack}>
              {backLabel}
            </button>
          )}
          <h1 className="toolbar-title">
            {hypothetical ? 'Hypothetical evaluation of ' : 'Determination for '}
            {orderInWords(first.order)}
          </h1>
          <button type="button" onClick={() => setPreview((p) => !p)} aria-expanded={preview} aria-controls="letter">
            {preview ? 'Hide letter' : 'Preview letter'}
          </button>
          <button type="button" className="primary" onClick={() => window.print()}>
            Print letter
          </button>
        </nav>
        {hypothetical && (
          <p className="hypothetical-banner" role="note">
            <strong>Hypothetical.</strong> The record has no such order: this is how the record fares against a draft order built in this browser. Nothing
            was written to the EHR and no order was placed.
          </p>
        )}
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
        <DeterminationLetter determinations={determinations} hypothetical={hypothetical} {...letter} />
      </div>
    </>
  );
}
