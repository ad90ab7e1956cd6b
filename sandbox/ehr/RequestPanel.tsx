// The raw CDS Hooks exchange behind the cards shown: the request (its access token shown as
// "(redacted)"), editable, and the response. "Send again" replays the edited request through the
// server, which signs a fresh JWT and, if the request keeps fhirAuthorization, issues a fresh token.
// JSON that does not parse is refused here, with where it broke, before anything is sent.
import { useEffect, useId, useState } from 'react';
import type { SignResult } from './api';

interface Props {
  result: SignResult;
  cdsServiceUrl?: string;
  onReplay: (request: unknown) => Promise<void>;
}

export function RequestPanel({ result, cdsServiceUrl, onReplay }: Props) {
  const original = JSON.stringify(result.request, null, 2);
  const [text, setText] = useState(original);
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const editor = useId();
  useEffect(() => setText(original), [original]);

  async function send() {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      setProblem(`The request is not valid JSON: ${(e as Error).message}. Nothing was sent.`);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    try {
      await onReplay(parsed);
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="ehr-exchange">
      <summary>The CDS Hooks request and response (view, edit, send again)</summary>
      <label htmlFor={editor}>
        <h3>Request (POST {cdsServiceUrl})</h3>
      </label>
      <textarea id={editor} className="request-editor" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} rows={18} />
      <div className="replay-actions">
        <button type="button" className="primary" onClick={() => void send()} disabled={busy}>
          {busy ? 'Sending…' : 'Send again (fresh JWT)'}
        </button>
        <button type="button" onClick={() => setText(original)} disabled={busy || text === original}>
          Undo edits
        </button>
      </div>
      {problem && (
        <p className="ehr-error" role="alert">
          {problem}
        </p>
      )}
      <h3>Response</h3>
      <pre tabIndex={0} aria-label="CDS Hooks response">
        {typeof result.response === 'string' ? result.response : JSON.stringify(result.response, null, 2)}
      </pre>
    </details>
  );
}
