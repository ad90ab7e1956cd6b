// The front door: what a person who opens the server's address finds. `/` is a page that says what
// this is and links everything there is to try or read — the sandbox EHR and the app (when the
// sandbox runs), CDS Hooks discovery, /health, the launch URL to register with an EHR, and the
// documents (the README at /readme, server/readme.ts; docs/ by server/serve-docs.ts) — instead of a
// FHIR 404. Plus the favicon every page names.
import express from 'express';
import { pageHeaders } from '../common/pages';
import { docsPage } from './readme';

/** A shield with a check: the product's mark, drawn as SVG so one file serves every size. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 4 6v9c0 7.4 5.1 13.3 12 15 6.9-1.7 12-7.6 12-15V6z" fill="#1f5f9e"/><path d="m10 16 4.2 4.2L22.5 12" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export interface FrontDoorOptions {
  publicBaseUrl: string;
  /** Whether the embedded sandbox runs (its EHR page, FHIR server and app launch are linked only then). */
  sandbox: boolean;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function landing({ publicBaseUrl, sandbox }: FrontDoorOptions): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const item = (href: string, label: string, what: string) => `<li><a href="${escape(href)}">${escape(label)}</a> — ${what}</li>`;
  const trySection = sandbox
    ? `<h2 id="try">Try it</h2>
<p>The embedded sandbox holds synthetic patients only. It plays an EHR, a FHIR server and a SMART authorization server.</p>
<ul>
${item('/ehr', 'The sandbox EHR', 'pick a patient, sign draft orders (one or several), read the cards, accept or override them, switch payer or state, replay a request, and open the review app from a card.')}
${item(`/launch.html?iss=${encodeURIComponent(`${base}/fhir`)}`, 'The review app, standalone', 'sign in to the sandbox, pick a patient, and read the whole determination and its letter.')}
${item('/fhir/metadata', 'The sandbox FHIR server', 'its CapabilityStatement; anonymous reads are allowed.')}
</ul>`
    : `<h2 id="try">Try it</h2><p>This server runs without the sandbox (production mode): connect an EHR, as below.</p>`;
  const body = `<h1>SIJ medical necessity</h1>
<p>Decision support for sacroiliac-joint and sacral-nerve procedures (CPT 27096, 64451, 64625, 64772, 64999; HCPCS G0260, J1100):
from a patient's own FHIR record, whether an ordered procedure meets the patient's payer's medical-necessity criteria,
each reason tied to a dated entry of the record.</p>
${trySection}
<h2 id="connect">Connect an EHR</h2>
<ul>
${item('/cds-services', 'CDS Hooks discovery', `the <code>order-sign</code> service is <code>${escape(base)}/cds-services/sij-medical-necessity</code>.`)}
<li>SMART app launch URL: <code>${escape(base)}/launch.html</code>; redirect URI <code>${escape(base)}/app/</code>.</li>
${item('/health', 'Health', 'answers <code>{"status":"ok"}</code> while the feedback store answers.')}
</ul>
<h2 id="read">Read</h2>
<ul>
${item('/readme', 'README', 'what the product does, and how.')}
${item('/readme#try-it', 'Try it', 'the sandbox walk-through.')}
${item('/readme#the-cds-hooks-service', 'The CDS Hooks service', 'endpoints, cards, coverage information, feedback, configuration, security.')}
${item('/readme#the-smart-app-and-the-embedded-sandbox', 'The SMART app and the embedded sandbox', 'scopes, configuration, the letter, launchers.')}
${item('/docs/clinical/README.md', 'Clinical rationale', 'each policy the product applies, criterion by criterion, with its sources.')}
</ul>`;
  return docsPage('Home', body);
}

export function frontDoor(opts: FrontDoorOptions): express.Router {
  const router = express.Router();
  const page = landing(opts);
  router.get('/', pageHeaders, (_req, res) => {
    res.type('html').set('Cache-Control', 'no-cache').send(page);
  });
  router.get(['/favicon.svg', '/favicon.ico'], (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(FAVICON_SVG);
  });
  return router;
}
