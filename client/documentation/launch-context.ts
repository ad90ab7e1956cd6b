// The DTR side of the launch: whether the app was opened to complete documentation (the card's
// "Complete documentation" link carries a questionnaire or a response in its appContext, DTR
// §Launching DTR), and the record with what the form wrote added.
import type { PatientRecord } from '../fhir';
import type { fhir4 } from '../fhir-types';

export function isDtrLaunch(appContext: string | undefined): boolean {
  if (!appContext) return false;
  try {
    const parsed = JSON.parse(appContext) as { questionnaire?: unknown; response?: unknown };
    return typeof parsed.questionnaire === 'string' || typeof parsed.response === 'string';
  } catch {
    return false;
  }
}

/** The record with the written resources added (a new version replaces the one it updates). */
export function withSaved(record: PatientRecord, written: fhir4.Resource[]): PatientRecord {
  const key = (r: fhir4.Resource) => `${r.resourceType}/${r.id}`;
  const keys = new Set(written.map(key));
  return { ...record, resources: [...record.resources.filter((r) => !keys.has(key(r))), ...written] };
}
