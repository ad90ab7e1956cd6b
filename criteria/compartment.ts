// Patient isolation, before anything is read: only the context patient's own resources, and the shared
// resources (payer Organization, Practitioner, Location, Medication) that those resources name, may
// decide that patient's determination. Every front end applies it the same way (the CDS Hooks
// service to prefetched and fetched data, the SMART app to what it read, the batch reader to each
// patient's group), and logs only the counts it returns, never the resources.

/** Resource types shared across patients: kept only when a kept resource references them. */
export const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Medication',
  'HealthcareService',
]);

/** The elements that say whose a resource is (FHIR R4 Patient compartment, the ones this product reads). */
const OWNER_ELEMENTS = ['subject', 'patient', 'beneficiary'] as const;

export interface IsolationCounts {
  /** Resources kept. */
  kept: number;
  /** Resources naming another patient (or another Patient resource). */
  foreign: number;
  /** Patient-specific resources that name no patient at all: whose they are cannot be shown. */
  unattributed: number;
  /** Shared resources no kept resource references. */
  unreferenced: number;
}

export interface Isolated<T> {
  resources: T[];
  counts: IsolationCounts;
}

/** "Patient/123", "https://ehr/fhir/Patient/123", "Patient/123/_history/2" → "123"; anything else → undefined. */
export function patientIdOf(reference: unknown): string | undefined {
  if (typeof reference !== 'string') return undefined;
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m?.[1];
}

/** Which patients a resource says it belongs to; [] when it names none. */
export function ownersOf(resource: Record<string, unknown>): string[] {
  if (resource.resourceType === 'Patient') return typeof resource.id === 'string' ? [resource.id] : [];
  const owners: string[] = [];
  for (const key of OWNER_ELEMENTS) {
    const value = resource[key];
    for (const ref of Array.isArray(value) ? value : [value]) {
      if (!ref || typeof ref !== 'object') continue;
      const reference = (ref as { reference?: unknown }).reference;
      const id = patientIdOf(reference);
      // A reference to something that is not a Patient (a Group, a device) is not this patient's either.
      owners.push(id ?? `\u0000${typeof reference === 'string' ? reference : 'unresolvable'}`);
    }
  }
  return owners;
}

/** The `Type/id` a reference names: relative, absolute or versioned. */
const REFERENCE_KEY = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * Adds to `found` every key of `wanted` that a reference inside `value` names (any depth, bounded), and
 * says when all of them have been found: then nothing more can change which shared resources are kept,
 * and the rest of the record need not be walked.
 */
function findReferences(value: unknown, wanted: ReadonlySet<string>, found: Set<string>, depth = 0): boolean {
  if (depth > 24 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (findReferences(v, wanted, found, depth + 1)) return true;
    return false;
  }
  const object = value as Record<string, unknown>;
  for (const k of Object.keys(object)) {
    const v = object[k];
    if (k === 'reference' && typeof v === 'string') {
      const m = REFERENCE_KEY.exec(v);
      const key = m ? `${m[1]}/${m[2]}` : undefined;
      if (key !== undefined && wanted.has(key) && !found.has(key)) {
        found.add(key);
        if (found.size === wanted.size) return true;
      }
    } else if (typeof v === 'object' && findReferences(v, wanted, found, depth + 1)) return true;
  }
  return false;
}

const keyOf = (r: Record<string, unknown>): string => `${String(r.resourceType)}/${String(r.id)}`;

/**
 * The resources that belong to `patientId`: the Patient itself, resources whose subject, patient or
 * beneficiary is that Patient, and shared resources that those (transitively) reference. Everything
 * else is dropped and counted. Resources that are not objects with a resourceType are dropped too.
 */
export function isolatePatient<T>(resources: readonly T[], patientId: string): Isolated<T> {
  const counts: IsolationCounts = { kept: 0, foreign: 0, unattributed: 0, unreferenced: 0 };
  const own: T[] = [];
  const shared: T[] = [];
  for (const res of resources) {
    if (!res || typeof res !== 'object' || typeof (res as { resourceType?: unknown }).resourceType !== 'string') {
      counts.unattributed++;
      continue;
    }
    const r = res as Record<string, unknown>;
    if (SHARED_TYPES.has(r.resourceType as string)) {
      shared.push(res);
      continue;
    }
    const owners = ownersOf(r);
    if (owners.length === 0) counts.unattributed++;
    else if (owners.every((o) => o === patientId)) own.push(res);
    else counts.foreign++;
  }
  // Shared resources are kept only when referenced, following references from what is kept
  // (a Location's managing Organization, a PractitionerRole's Practitioner). Only references to the
  // shared resources at hand are looked for, and only until each has been found.
  const wanted = new Set(shared.map((s) => keyOf(s as Record<string, unknown>)));
  const referenced = new Set<string>();
  if (wanted.size > 0) for (const r of own) if (findReferences(r, wanted, referenced)) break;
  const keptShared: T[] = [];
  let pending = shared;
  for (let grew = true; grew && pending.length > 0; ) {
    grew = false;
    const rest: T[] = [];
    for (const s of pending) {
      if (referenced.has(keyOf(s as Record<string, unknown>))) {
        keptShared.push(s);
        if (referenced.size < wanted.size) findReferences(s, wanted, referenced);
        grew = true;
      } else rest.push(s);
    }
    pending = rest;
  }
  counts.unreferenced = pending.length;
  const kept = [...own, ...keptShared];
  counts.kept = kept.length;
  return { resources: kept, counts };
}
