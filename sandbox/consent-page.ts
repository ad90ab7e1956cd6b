// The sandbox authorization server's HTML pages: the standalone-launch patient picker and consent
// form, and the error page shown when a request is too broken to redirect back to the app.
// Server-rendered, no script; every interpolated value goes through escapeHtml.

export interface PickablePatient {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
  payer?: string;
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b2733; }
  main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 2rem; border-radius: 8px;
         box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 1.5rem; margin-top: 0; }
  fieldset { border: 1px solid #c5ced8; border-radius: 6px; margin: 0 0 1.25rem; padding: .75rem 1rem; }
  legend { font-weight: 600; padding: 0 .25rem; }
  label { display: block; padding: .3rem 0; }
  .meta { color: #4a5866; font-size: .9rem; }
  .actions { display: flex; gap: 1rem; }
  button { font: inherit; padding: .6rem 1.4rem; border-radius: 6px; border: 1px solid #1f5f9e; cursor: pointer; }
  button.primary { background: #1f5f9e; color: #fff; }
  button.secondary { background: #fff; color: #1f5f9e; }
  button:focus-visible, input:focus-visible { outline: 3px solid #f2b01e; outline-offset: 2px; }
  code { background: #eef1f4; padding: 0 .25rem; border-radius: 3px; }
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export function consentPage(opts: {
  requestId: string;
  clientId: string;
  scopes: string[];
  needsPatient: boolean;
  patients: PickablePatient[];
}): string {
  const patients = opts.needsPatient
    ? `<fieldset><legend>Patient</legend>
      ${opts.patients
        .map(
          (p, i) => `<label><input type="radio" name="patient" value="${escapeHtml(p.id)}" ${i === 0 ? 'checked' : ''} required>
        ${escapeHtml(p.name)} <span class="meta">${escapeHtml([p.birthDate, p.gender, p.payer, p.id].filter(Boolean).join(' · '))}</span></label>`,
        )
        .join('\n')}
    </fieldset>`
    : '';
  const scopes = `<fieldset><legend>Access the app asks for</legend>
    ${opts.scopes
      .map(
        (s) => `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> <code>${escapeHtml(s)}</code></label>`,
      )
      .join('\n')}
    <p class="meta">Untick a line to refuse that access. The app is told which scopes were granted.</p>
  </fieldset>`;
  return page(
    'Sandbox sign-in: authorize app',
    `<h1>Authorize <code>${escapeHtml(opts.clientId)}</code></h1>
    <p>This is the sandbox's sign-in page (standalone launch). Pick the patient and the access to grant.</p>
    <form method="post" action="authorize/decision">
      <input type="hidden" name="request" value="${escapeHtml(opts.requestId)}">
      ${patients}
      ${scopes}
      <div class="actions">
        <button class="primary" type="submit" name="decision" value="approve">Approve</button>
        <button class="secondary" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
      </div>
    </form>`,
  );
}

export function authErrorPage(title: string, detail: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>
    <p>Go back to the app or the EHR and launch again. In the sandbox, start from <a href="/ehr">the EHR page</a>.</p>`,
  );
}
