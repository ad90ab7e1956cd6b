// One screen per thing that can go wrong, each saying what happened and what to do about it:
// opened without a launch, a missing or expired session, access refused, scopes not granted, no
// patient, FHIR server errors and a broken policy library. (A patient with nothing to review is not an
// error: the app offers to try a procedure against the record, client/TryScreen.tsx.)
import type { ReactNode } from 'react';
import type { AppError, ErrorKind } from './errors';
import { Icon } from './Icon';

interface Copy {
  title: string;
  todo: ReactNode[];
}

function copyFor(kind: ErrorKind, relaunch: ReactNode): Copy {
  const sandbox = (
    <>
      Trying the built-in sandbox? Open <a href="/ehr">the sandbox EHR</a>, pick a patient and sign an order, or use its “Open app” button.
    </>
  );
  switch (kind) {
    case 'no-launch':
      return {
        title: 'Launch this app from an EHR',
        todo: [
          'Open it from the EHR’s app menu, or follow the “Review the criteria and evidence” link on a medical-necessity card.',
          <>
            With a SMART launcher (such as launch.smarthealthit.org), register the launch URL <code>{`${window.location.origin}/launch.html`}</code>.
          </>,
          sandbox,
        ],
      };
    case 'session':
      return {
        title: 'Your session has ended',
        todo: [
          'Launch the app again from the EHR. A session lives only in the browser tab that launched it, and ends when the EHR’s access token expires.',
          relaunch,
          sandbox,
        ],
      };
    case 'auth-denied':
      return { title: 'Access was not granted', todo: ['Launch again and approve access when the EHR asks.', 'If your organisation blocks this app, ask the EHR administrator to enable it.'] };
    case 'scopes':
      return {
        title: 'The app was not given the access it needs',
        todo: [
          'Launch again and approve the access listed above.',
          'If the EHR never offers it, ask the EHR administrator to allow these scopes for this app’s client id.',
          relaunch,
        ],
      };
    case 'no-patient':
      return { title: 'No patient was selected', todo: ['Open a patient’s chart in the EHR first, then launch the app from it.', relaunch] };
    case 'fhir':
      return {
        title: 'The EHR’s FHIR server had a problem',
        todo: [
          <button type="button" onClick={() => window.location.reload()}>
            Try again
          </button>,
          'If it keeps failing, send the details below to the EHR’s support team.',
        ],
      };
    case 'engine':
      return { title: 'The policy library could not be loaded', todo: ['This is a problem with this deployment, not with the record. Send the details below to the team that runs the app.'] };
    default:
      return { title: 'Something went wrong', todo: [<button type="button" onClick={() => window.location.reload()}>Try again</button>, relaunch] };
  }
}

export function ErrorScreen({ error, lastServer }: { error: AppError; lastServer?: string }) {
  const relaunch = lastServer ? (
    <>
      Or start a new standalone launch against the same server: <a href={`/launch.html?iss=${encodeURIComponent(lastServer)}`}>launch again</a>.
    </>
  ) : null;
  const copy = copyFor(error.kind, relaunch);
  return (
    <main id="main" className="error-screen" data-error-kind={error.kind}>
      <div className="error-card">
        <div className="error-head">
          <Icon name="alert" size={40} />
          <h1>{copy.title}</h1>
        </div>
        <h2 className="error-sub">What happened</h2>
        <p>{error.message}</p>
        {error.items.length > 0 && (
          <ul className="error-items">
            {error.items.map((i) => (
              <li key={i}>
                <code>{i}</code>
              </li>
            ))}
          </ul>
        )}
        <h2 className="error-sub">What to do</h2>
        <ul className="error-todo">
          {copy.todo.filter(Boolean).map((t, i) => (
            <li key={i}>{t}</li>
          ))}
        </ul>
        {error.detail && (
          <details>
            <summary>Technical details</summary>
            <pre>{error.detail}</pre>
          </details>
        )}
      </div>
    </main>
  );
}
