// What a request to the sandbox FHIR server may see and do, decided per resource and per interaction
// (SMART App Launch 2.x, scopes and launch context). The guard (fhir-guard.ts) verifies the token and
// hands over an Access; the store (fhir-server.ts) asks this module before every read, search, write
// and batch or transaction entry, and filters what it returns: a patient-context token never sees a
// resource outside its patient's compartment, whichever interaction it uses (read, vread, _history,
// search, _include/_revinclude, batch). Anonymous requests (curl, the EHR page) may read, never write.
import { ownersOf, SHARED_TYPES } from '../criteria';
import { isPatientLevel, scopeAllows } from './scopes';

export type Access = { kind: 'anonymous' } | { kind: 'token'; scope: string; patient?: string; clientId: string };

export const ANONYMOUS: Access = { kind: 'anonymous' };

/** The v2 letter for an interaction. */
export type Op = 'c' | 'r' | 'u' | 'd' | 's';

/** Whether the access may perform `op` on `type` at all (before looking at any resource). */
export function mayDo(access: Access, type: string, op: Op): boolean {
  if (access.kind === 'anonymous') return op === 'r' || op === 's';
  return scopeAllows(access.scope, type, op);
}

/** The patient a token is bound to when every clinical scope it holds is patient-level. */
export function boundPatient(access: Access): string | undefined {
  if (access.kind !== 'token') return undefined;
  return access.patient && isPatientLevel(access.scope) ? access.patient : undefined;
}

/**
 * Whether this resource is inside what the access may see: for a patient-bound token, the patient
 * itself, resources whose subject/patient/beneficiary is that patient, and shared resources
 * (Organization, Practitioner, Location, Medication); everything for other access.
 */
export function inCompartment(access: Access, resource: { resourceType?: unknown } | undefined | null): boolean {
  const patient = boundPatient(access);
  if (!patient || !resource || typeof resource !== 'object') return true;
  const type = String(resource.resourceType);
  if (SHARED_TYPES.has(type)) return true;
  const owners = ownersOf(resource as Record<string, unknown>);
  return owners.length > 0 && owners.every((o) => o === patient);
}

/** May the access read this particular resource (scope for its type, and compartment)? */
export function mayRead(access: Access, resource: { resourceType?: unknown } | undefined | null): boolean {
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') return true;
  if (resource.resourceType === 'OperationOutcome' || resource.resourceType === 'Bundle') return true;
  return mayDo(access, resource.resourceType, 'r') && inCompartment(access, resource);
}

/** An interaction from a method and a FHIR path ("Condition/1/_history/2", "Patient/_search", ""). */
export function interaction(method: string, path: string): { type?: string; id?: string; op: Op } | undefined {
  const [type, id, third] = path.split('?')[0]!.split('/').filter(Boolean);
  const m = method.toUpperCase();
  if (!type) return m === 'POST' ? undefined : { op: 's' }; // POST / is a batch: its entries decide
  if (type.startsWith('$') || type === 'metadata') return { op: 'r' };
  if (m === 'GET' || m === 'HEAD') return id && id !== '_search' && !id.startsWith('$') ? { type, id, op: 'r' } : { type, op: 's' };
  if (m === 'POST') return id === '_search' ? { type, op: 's' } : third || id ? { type, id, op: 'u' } : { type, op: 'c' };
  if (m === 'PUT' || m === 'PATCH') return { type, id, op: id ? 'u' : 'c' };
  if (m === 'DELETE') return { type, id, op: 'd' };
  return { type, op: 'r' };
}
