// The raw-resource dialog: opened from any evidence entry or timeline event, it shows the FHIR resource
// the record holds, as JSON. A native <dialog> opened with showModal(), so focus is trapped, Escape
// closes it, and focus goes back to the control that opened it.
import type { fhir4 } from './fhir-types';
import { useEffect, useRef, useState } from 'react';
import type { Evidence } from '../criteria';
import { formatCode, formatDate } from './format';

type Resource = fhir4.Resource;

export interface DialogRequest {
  reference: string;
  evidence?: Evidence;
}

interface Props {
  request: DialogRequest | null;
  load: (reference: string) => Promise<Resource>;
  onClose: () => void;
}

export function EvidenceDialog({ request, load, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const [state, setState] = useState<{ resource?: Resource; error?: string }>({});

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (!request) {
      if (d.open) d.close();
      return;
    }
    opener.current = document.activeElement;
    setState({});
    if (!d.open) d.showModal();
    let live = true;
    load(request.reference).then(
      (resource) => live && setState({ resource }),
      (err: unknown) => live && setState({ error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [request, load]);

  const handleClose = () => {
    onClose();
    if (opener.current instanceof HTMLElement) opener.current.focus();
  };

  const ev = request?.evidence;
  return (
    <dialog ref={dialog} className="evidence-dialog" aria-labelledby="evidence-dialog-title" onClose={handleClose}>
      <header>
        <h2 id="evidence-dialog-title">{request?.reference ?? 'Record entry'}</h2>
        <button type="button" className="close" onClick={() => dialog.current?.close()} aria-label="Close">
          ×
        </button>
      </header>
      {ev && (
        <dl className="evidence-facts">
          <dt>Date</dt>
          <dd>{formatDate(ev.date)}</dd>
          {ev.code && (
            <>
              <dt>Code</dt>
              <dd>{formatCode(ev.code)}</dd>
            </>
          )}
          {ev.value && (
            <>
              <dt>Value</dt>
              <dd>{ev.value}</dd>
            </>
          )}
          {ev.quote && (
            <>
              <dt>Read from</dt>
              <dd>
                <q>{ev.quote}</q>
              </dd>
            </>
          )}
          {ev.note && (
            <>
              <dt>Why it counts</dt>
              <dd>{ev.note}</dd>
            </>
          )}
          <dt>Found by</dt>
          <dd>
            <code>{ev.path}</code>
          </dd>
        </dl>
      )}
      {state.error && <p className="error-text">Could not read the resource: {state.error}</p>}
      {!state.resource && !state.error && <p role="status">Reading the resource…</p>}
      {state.resource && (
        <pre className="resource-json" tabIndex={0} aria-label={`${request?.reference} as FHIR JSON`}>
          {JSON.stringify(state.resource, null, 2)}
        </pre>
      )}
      <footer>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </footer>
    </dialog>
  );
}
