// The record entries behind a criterion or finding: date, code and value, and the sentence the value
// was read from when the engine quotes one, each a button that opens the raw resource. Long lists (ten PT sessions) show the first few and a button for the rest. Empty
// evidence says so, in words, rather than showing nothing.
import { useState } from 'react';
import type { Evidence } from '../criteria';
import { formatCode, formatDate } from './format';
import type { DialogRequest } from './EvidenceDialog';

const SHOWN = 4;

export function EvidenceList({ evidence, onOpen, empty }: { evidence: Evidence[]; onOpen: (r: DialogRequest) => void; empty?: string }) {
  const [all, setAll] = useState(false);
  if (evidence.length === 0) return empty ? <p className="no-evidence">{empty}</p> : null;
  const collapsible = evidence.length > SHOWN + 1;
  const shown = collapsible && !all ? evidence.slice(0, SHOWN) : evidence;
  return (
    <>
      <ul className="evidence-list">
        {shown.map((e, i) => (
          <li key={`${e.reference}-${i}`}>
            <button type="button" className="evidence-button" onClick={() => onOpen({ reference: e.reference, evidence: e })}>
              <span className="ev-date">{formatDate(e.date)}</span>
              <span className="ev-type">{e.resourceType}</span>
              {/* With a quote, the sentence read says what the entry is; the code keeps only its system and value. */}
              <span className="ev-code">{(e.quote ? formatCode(e.code && { system: e.code.system, code: e.code.code }) : formatCode(e.code)) || e.reference}</span>
              {e.value && <span className="ev-value">{e.value}</span>}
              {e.quote && <q className="ev-quote">{e.quote}</q>}
            </button>
            {e.note && <span className="ev-note">{e.note}</span>}
          </li>
        ))}
      </ul>
      {collapsible && (
        <button type="button" className="link-button more" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? 'Show fewer entries' : `Show all ${evidence.length} entries`}
        </button>
      )}
    </>
  );
}
