// The sandbox EHR page's calls: its own server API (/ehr/api: config, sign, launch) and plain FHIR
// searches against the sandbox server (anonymous reads are allowed there), following every page.
import type { Bundle, Resource } from '@medplum/fhirtypes';

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

export interface CdsCard {
  uuid?: string;
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

export const sign = (patientId: string, order: Resource) =>
  fetch('/ehr/api/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId, order }) }).then((r) =>
    json<SignResult>(r),
  );

export const createLaunch = (patientId: string, appContext?: string) =>
  fetch('/ehr/api/launch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId, appContext }) }).then((r) =>
    json<{ launch: string; iss: string }>(r),
  );

/** The app's launch URL with the SMART EHR-launch parameters added. */
export function launchUrl(base: string, launch: string, iss: string): string {
  const url = new URL(base, window.location.href);
  url.searchParams.set('launch', launch);
  url.searchParams.set('iss', iss);
  return url.toString();
}
