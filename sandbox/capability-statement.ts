// The sandbox FHIR server's CapabilityStatement (GET /metadata): what a client may ask of it.
// Clients such as fhirclient read it to find the server's FHIR version and interactions.
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';

/** The resource types the sandbox holds: what the criteria engine reads, plus what orders point at. */
export const SANDBOX_RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Coverage',
  'Encounter',
  'Condition',
  'Procedure',
  'Observation',
  'DiagnosticReport',
  'ImagingStudy',
  'MedicationRequest',
  'MedicationStatement',
  'ServiceRequest',
  'DocumentReference',
  'Provenance',
] as const;

export function capabilityStatement(baseUrl: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    software: { name: 'sij-necessity sandbox FHIR server (Medplum MemoryRepository)' },
    implementation: { description: 'Local sandbox FHIR R4 server', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: SANDBOX_RESOURCE_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }, { code: 'update' }],
          searchInclude: ['*'],
          searchRevInclude: ['Provenance:target'],
          searchParam: Object.values(getSearchParameters(type) ?? {}).map((p) => ({
            name: p.code ?? '',
            type: p.type as CapabilityStatementRestResourceSearchParam['type'],
          })),
        })),
      },
    ],
  };
}
