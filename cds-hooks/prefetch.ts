// Prefetch templates and tokens (CDS Hooks 2.0 §Prefetch Template): what the service asks the CDS
// client to send with the hook call, and how a template becomes a FHIR query for the fallback fetch.
// Only 2.0 tokens are used: {{context.<field>}} and the user tokens derived from context.userId.
import type { Bundle, Resource } from '@medplum/fhirtypes';

/**
 * One key per kind of record the engine reads. Coverage brings its payor Organization by _include so
 * the payer's name is known without a second round trip.
 */
export const PREFETCH_TEMPLATES = {
  patient: 'Patient/{{context.patientId}}',
  coverage: 'Coverage?patient={{context.patientId}}&status=active&_include=Coverage:payor',
  conditions: 'Condition?patient={{context.patientId}}',
  procedures: 'Procedure?patient={{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}',
  serviceRequests: 'ServiceRequest?patient={{context.patientId}}&status=draft,active',
  encounters: 'Encounter?patient={{context.patientId}}',
  diagnosticReports: 'DiagnosticReport?patient={{context.patientId}}',
} as const;
export type PrefetchKey = keyof typeof PREFETCH_TEMPLATES;

const TOKEN = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g;

/** The user tokens of CDS Hooks 2.0: the id part of context.userId when it has that resource type. */
const USER_TOKENS: Record<string, string> = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
};

/**
 * Replace every token in a prefetch template with its value from the hook context. Returns undefined
 * when a token has no value: the spec says such a template is not prefetched (and so not fetched).
 */
export function replacePrefetchTokens(template: string, context: Record<string, unknown>): string | undefined {
  let unresolved = false;
  const result = template.replace(TOKEN, (_match, name: string) => {
    const value = tokenValue(name, context);
    if (value === undefined) unresolved = true;
    return value === undefined ? '' : encodeURIComponent(value);
  });
  return unresolved ? undefined : result;
}

function tokenValue(name: string, context: Record<string, unknown>): string | undefined {
  if (name.startsWith('context.')) {
    const value = context[name.slice('context.'.length)];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }
  const type = USER_TOKENS[name];
  const userId = context.userId;
  if (type && typeof userId === 'string' && userId.startsWith(`${type}/`)) return userId.slice(type.length + 1);
  return undefined;
}

/**
 * A prefetch value is usable unless it is absent, null, or an OperationOutcome (the client's way of
 * saying the query failed, CDS Hooks 2.0 §Prefetch).
 */
export function isUsablePrefetch(value: unknown): value is Resource {
  if (value === null || typeof value !== 'object') return false;
  const type = (value as { resourceType?: unknown }).resourceType;
  return typeof type === 'string' && type !== 'OperationOutcome';
}

/** Every resource in a prefetch value: a resource itself, or a Bundle's entries (matches and _includes). */
export function flattenResources(value: Resource): Resource[] {
  if (value.resourceType !== 'Bundle') return [value];
  const out: Resource[] = [];
  for (const entry of (value as Bundle).entry ?? []) {
    const resource = entry.resource;
    if (!resource || resource.resourceType === 'OperationOutcome') continue;
    out.push(...(resource.resourceType === 'Bundle' ? flattenResources(resource) : [resource]));
  }
  return out;
}

/** One copy of each resource, by type and id (prefetch keys and fetches overlap: orders, includes). */
export function dedupeResources(resources: Resource[]): Resource[] {
  const byKey = new Map<string, Resource>();
  let anonymous = 0;
  for (const r of resources) byKey.set(r.id ? `${r.resourceType}/${r.id}` : `#${anonymous++}`, r);
  return [...byKey.values()];
}
