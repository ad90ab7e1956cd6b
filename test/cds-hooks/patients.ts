// Named personas for the CDS Hooks tests (seed patients proper live in test/fixtures/patients/).
// "Ada Aetna": Aetna coverage, chronic SIJ pain; 64625 is excluded by Aetna CPB 0016.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { PREFETCH_TEMPLATES } from '../../cds-hooks/prefetch';
import { serviceRequest } from './harness';

export const ADA = 'cds-ada-aetna';

export const adaRecord: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { resource: { resourceType: 'Patient', id: ADA, birthDate: '1960-01-01', name: [{ family: 'Aetna', given: ['Ada'] }], address: [{ state: 'TX' }] } },
    { resource: { resourceType: 'Organization', id: 'cds-aetna-org', name: 'Aetna' } },
    {
      resource: {
        resourceType: 'Coverage',
        id: 'cds-ada-cov',
        status: 'active',
        beneficiary: { reference: `Patient/${ADA}` },
        payor: [{ reference: 'Organization/cds-aetna-org' }],
      },
    },
    ...['a', 'b', 'c'].map((s, i) => ({
      resource: {
        resourceType: 'Condition',
        id: `cds-ada-cond-${s}`,
        subject: { reference: `Patient/${ADA}` },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: ['M46.1', 'M53.3', 'M54.50'][i]! }] },
        onsetDateTime: '2024-01-0' + (i + 1),
      } as Resource,
    })),
    ...Array.from({ length: 25 }, (_, i) => ({
      resource: {
        resourceType: 'Observation',
        id: `cds-ada-pain-${i}`,
        status: 'final',
        subject: { reference: `Patient/${ADA}` },
        code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
        effectiveDateTime: `2025-0${1 + (i % 5)}-1${i % 10}`,
        valueQuantity: { value: 6 + (i % 3), unit: '{score}' },
      } as Resource,
    })),
  ],
};

/** 64625 (excluded by Aetna), 27096 (conditional under Aetna) and an out-of-scope MRI. */
export const adaOrders = (): Resource[] => [
  serviceRequest('cds-ada-rfa', ADA, '64625'),
  serviceRequest('cds-ada-sij', ADA, '27096'),
  serviceRequest('cds-ada-mri', ADA, '72148'),
];

/** Every template key answered, with the whole record under one extra key (any key is read). */
export function adaFullPrefetch(): Record<string, unknown> {
  const empty = { resourceType: 'Bundle', type: 'searchset', entry: [] };
  const keys = Object.keys(PREFETCH_TEMPLATES).filter((k) => k !== 'patient');
  return { record: adaRecord, patient: adaRecord.entry![0]!.resource, ...Object.fromEntries(keys.map((k) => [k, empty])) };
}
