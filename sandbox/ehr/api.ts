// The sandbox EHR page's calls: its own server API (/ehr/api: config, sign, replay, feedback, coverage,
// launch; sandbox/ehr-api.ts) and plain FHIR searches against the sandbox server (anonymous reads are
// allowed there), following every page.
import type { Bundle, Resource } from '@medplum/fhirtypes';
// The server's own types (erased at build: the page bundles no server code).
import type { FeedbackEntry, StoredFeedback } from '../../cds-hooks/feedback-store';
import type { CoverageSummary } from '../ehr-coverage';

export type { CoverageSummary, FeedbackEntry, StoredFeedback };

export interface PatientSummary {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
  payer?: string;
}

export interface EhrConfig {
  fhirBase: string;
  cdsServiceUrl: string;
  appLaunchUrl: string;
  user: string;
  patients: PatientSummary[];
  payers: { key: string; name: string; note: string }[];
  states: string[];
  feedbackView: boolean;
}

export interface CdsLink {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

export interface CdsSuggestion {
  label: string;
  uuid?: string;
  isRecommended?: boolean;
  actions?: { type: string; description?: string; resource?: Resource; resourceId?: string[] }[];
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CdsCard {
  uuid?: string;
  overrideReasons?: Coding[];
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url?: string; topic?: { code?: string; display?: string } };
  suggestions?: CdsSuggestion[];
  selectionBehavior?: string;
  links?: CdsLink[];
}

export interface SignResult {
  request: unknown;
  status: number;
  ms?: number;
  response?: { cards?: CdsCard[]; systemActions?: unknown[] } | string;
  error?: string;
}

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { error_description?: string };
  if (!res.ok && !(body as { request?: unknown }).request) throw new Error(body.error_description ?? `${res.status} ${res.statusText}`);
  return body;
}

const post = <T>(path: string, body: unknown) =>
  fetch(`/ehr/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => json<T>(r));

export const getConfig = () => fetch('/ehr/api/config').then((r) => json<EhrConfig>(r));

export async function searchAll<T extends Resource>(url: string): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = url;
  for (let page = 0; next && page < 50; page++) {
    const res: Response = await fetch(next, { headers: { accept: 'application/fhir+json' } });
    if (!res.ok) throw new Error(`FHIR search failed: ${res.status} ${res.statusText}`);
    const bundle = (await res.json()) as Bundle<T>;
    out.push(...(bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => !!r));
    next = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/** order-sign for one or several draft orders, in one request. */
export const sign = (patientId: string, orders: Resource[]) => post<SignResult>('sign', { patientId, orders });

/** A hook request, as edited on the page, sent again with a fresh JWT (and a fresh token if it keeps fhirAuthorization). */
export const replay = (request: unknown) => post<SignResult>('replay', { request });

export const sendFeedback = (feedback: FeedbackEntry[]) => post<{ status: number; response: unknown }>('feedback', { feedback });

export const readFeedback = (cards: string[]) =>
  fetch(`/ehr/api/feedback?${cards.map((c) => `card=${encodeURIComponent(c)}`).join('&')}`).then((r) => json<{ entries: StoredFeedback[] }>(r));

export const readCoverage = (patientId: string) => fetch(`/ehr/api/coverage?patientId=${encodeURIComponent(patientId)}`).then((r) => json<CoverageSummary>(r));

export const changeCoverage = (change: { patientId: string; payer?: string; memberId?: string; state?: string }) => post<CoverageSummary>('coverage', change);

export const restoreCoverage = (patientId: string) => post<CoverageSummary>('coverage/restore', { patientId });

export const createLaunch = (patientId: string, appContext?: string) => post<{ launch: string; iss: string }>('launch', { patientId, appContext });

/** The app's launch URL with the SMART EHR-launch parameters added. */
export function launchUrl(base: string, launch: string, iss: string): string {
  const url = new URL(base, window.location.href);
  url.searchParams.set('launch', launch);
  url.searchParams.set('iss', iss);
  return url.toString();
}
