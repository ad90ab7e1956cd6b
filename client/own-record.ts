// The SMART app's patient isolation: of everything the FHIR server returned for the launch patient,
// only that patient's own resources (and the payer, practitioners and locations they name) reach the
// engine, by the same rule the CDS Hooks service applies (criteria/compartment.ts). A server that
// ignores a search parameter shows up as a warning with a count, never as another patient's evidence.
import { isolatePatient } from '../criteria';
import type { fhir4 } from './fhir-types';

export function ownRecord(patientId: string, resources: fhir4.Resource[]): { resources: fhir4.Resource[]; warnings: string[] } {
  const { resources: kept, counts } = isolatePatient(resources, patientId);
  const warnings: string[] = [];
  if (counts.foreign > 0) {
    warnings.push(`${counts.foreign} resource${counts.foreign === 1 ? '' : 's'} the FHIR server returned belong to another patient and were left out.`);
  }
  if (counts.unattributed > 0) {
    warnings.push(`${counts.unattributed} resource${counts.unattributed === 1 ? '' : 's'} name no patient and were left out.`);
  }
  return { resources: kept, warnings };
}
