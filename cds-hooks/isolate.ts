// Stage 2b of the hook: patient isolation. Whatever the prefetch or the FHIR server sent, only the
// context patient's own resources (and the shared ones they reference) go on to the engine, and only
// draft orders that are that patient's (or name no patient) are judged. The rule itself is the
// engine's (criteria/compartment.ts), so the service, the SMART app and the batch reader agree; this
// module applies it to a hook call and returns counts for the log, never the resources. Copies of one
// resource (prefetch keys and fetches overlap) are merged only after isolation: merged before, another
// patient's Condition sent with an own Condition's id would have displaced it and decided the card.
import type { Resource } from '@medplum/fhirtypes';
import { isolatePatient, ownersOf, type IsolationCounts } from '../criteria';
import { dedupeResources } from './prefetch';

export interface IsolatedRecord {
  resources: Resource[];
  orders: Resource[];
  /** Safe to log: numbers only. */
  counts: IsolationCounts & { foreignOrders: number };
}

export function isolateHookRecord(patientId: string, resources: Resource[], orders: Resource[]): IsolatedRecord {
  const { resources: kept, counts } = isolatePatient(resources, patientId);
  // A draft order with no subject is the context's own (the EHR is signing it now); one that names
  // another patient is not judged against this patient's record, nor that patient's against it.
  const ownOrders = orders.filter((o) => {
    const owners = ownersOf(o as unknown as Record<string, unknown>);
    return owners.every((p) => p === patientId);
  });
  return { resources: dedupeResources(kept), orders: ownOrders, counts: { ...counts, foreignOrders: orders.length - ownOrders.length } };
}
