// FHIR R4 resource types for the app, from @medplum/fhirtypes, under one namespace name (fhir4.Patient…).
import type * as R4 from '@medplum/fhirtypes';

export type { R4 as fhir4 };
