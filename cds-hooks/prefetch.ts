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
  /** Answers to the documentation questionnaires (Da Vinci DTR): evidence on the next signing. */
  questionnaireResponses: 'QuestionnaireResponse?patient={{context.patientId}}&status=completed,amended',
} as const;
export type PrefetchKey = keyof typeof PREFETCH_TEMPLATES;

/**
 * Keys whose refusal (the client's FHIR server answering 400, 403 or 404 to the search) is not
 * technical trouble: without them the record reads as it did before. An EHR that keeps
 * QuestionnaireResponses from the service only leaves documentation answers unread, which can make
 * a criterion unknown, never met.
 */
export const OPTIONAL_PREFETCH_KEYS: ReadonlySet<string> = new Set<PrefetchKey>(['questionnaireResponses']);

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

/** An object with a string resourceType: the least a value must be to be read as a resource. */
export function isResourceLike(value: unknown): value is Resource {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/**
 * Every resource in a prefetch value: a resource itself, or a Bundle's entries (matches and _includes),
 * nested Bundles included. Whatever is not shaped like a resource (an entry that is null, an `entry`
 * that is not an array, a resource without a resourceType) is skipped, never thrown on. Iterative, so
 * nesting depth costs no stack (the body reader limits it anyway).
 */
export function flattenResources(value: Resource): Resource[] {
  const out: Resource[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!isResourceLike(item) || item.resourceType === 'OperationOutcome') continue;
    if (item.resourceType !== 'Bundle') {
      out.push(item);
      continue;
    }
    const entries = (item as Bundle).entry as unknown;
    if (!Array.isArray(entries)) continue;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as { resource?: unknown } | null;
      if (entry && typeof entry === 'object') stack.push(entry.resource);
    }
  }
  return out;
}

/** One copy of each resource, by type and id (prefetch keys and fetches overlap: orders, includes). */
export function dedupeResources(resources: Resource[]): Resource[] {
  const byKey = new Map<string, Resource>();
  let anonymous = 0;
  for (const r of resources) byKey.set(typeof r.id === 'string' && r.id ? `${r.resourceType}/${r.id}` : `#${anonymous++}`, r);
  return [...byKey.values()];
}
