// FHIRPath as configuration: every element the engine reads from a resource is named here, compiled
// once at module load with the R4 model (without it, choice types such as Observation.value[x]
// silently return nothing), and its expression string travels with the evidence it finds.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { toConcept, type ConceptLike } from './valueset';
import { compileFastPath } from './fast-path';

export const PATHS = {
  conditionCode: 'Condition.code',
  conditionBodySite: 'Condition.bodySite',
  conditionClinicalStatus: 'Condition.clinicalStatus.coding.code',
  conditionVerification: 'Condition.verificationStatus.coding.code',
  conditionOnset:
    'Condition.onset.ofType(dateTime) | Condition.onset.ofType(Period).start | Condition.recordedDate',
  conditionAbatement: 'Condition.abatement.ofType(dateTime) | Condition.abatement.ofType(Period).end',

  procedureCode: 'Procedure.code',
  procedureStatus: 'Procedure.status',
  procedureDate: 'Procedure.performed.ofType(dateTime) | Procedure.performed.ofType(Period).start',
  procedureText: 'Procedure.outcome.text | Procedure.outcome.coding.display | Procedure.note.text',
  procedureBodySite: 'Procedure.bodySite',

  encounterType: 'Encounter.type',
  encounterStatus: 'Encounter.status',
  encounterDate: 'Encounter.period.start',

  observationCode: 'Observation.code',
  observationStatus: 'Observation.status',
  observationDate:
    'Observation.effective.ofType(dateTime) | Observation.effective.ofType(Period).start | Observation.effective.ofType(instant) | Observation.issued',
  observationQuantity: 'Observation.value.ofType(Quantity)',
  observationInteger: 'Observation.value.ofType(integer)',
  observationBoolean: 'Observation.value.ofType(boolean)',
  observationConcept: 'Observation.value.ofType(CodeableConcept)',
  observationInterpretation: 'Observation.interpretation.coding.code',
  observationPartOf: 'Observation.partOf.reference',
  observationText: 'Observation.value.ofType(string) | Observation.note.text',

  medicationRequestCode: 'MedicationRequest.medication.ofType(CodeableConcept)',
  medicationRequestStatus: 'MedicationRequest.status',
  medicationRequestStart:
    'MedicationRequest.dispenseRequest.validityPeriod.start | MedicationRequest.authoredOn',
  medicationRequestEnd: 'MedicationRequest.dispenseRequest.validityPeriod.end',
  medicationStatementCode: 'MedicationStatement.medication.ofType(CodeableConcept)',
  medicationStatementStatus: 'MedicationStatement.status',
  medicationStatementStart:
    'MedicationStatement.effective.ofType(Period).start | MedicationStatement.effective.ofType(dateTime) | MedicationStatement.dateAsserted',
  medicationStatementEnd: 'MedicationStatement.effective.ofType(Period).end',

  reportCode: 'DiagnosticReport.code',
  reportDate: 'DiagnosticReport.effective.ofType(dateTime) | DiagnosticReport.effective.ofType(Period).start | DiagnosticReport.issued',
  reportText: 'DiagnosticReport.conclusion | DiagnosticReport.conclusionCode.text | DiagnosticReport.code.text',
  imagingStudyCode: 'ImagingStudy.procedureCode | ImagingStudy.series.bodySite',
  imagingStudyDate: 'ImagingStudy.started',
  imagingStudyText: 'ImagingStudy.description | ImagingStudy.series.description',

  coverageStatus: 'Coverage.status',
  coveragePeriodStart: 'Coverage.period.start',
  coveragePeriodEnd: 'Coverage.period.end',
  coveragePayor: 'Coverage.payor',
  coverageType: 'Coverage.type',
  coverageOrder: 'Coverage.order',
  coverageBeneficiary: 'Coverage.beneficiary.reference',

  patientAddress: 'Patient.address',
  patientBirthDate: 'Patient.birthDate',
  locationState: 'Location.address.state',
  organizationName: 'Organization.name | Organization.alias',
  organizationIdentifier: 'Organization.identifier',

  orderCode: 'code',
  orderStatus: 'status',
  orderText: 'code.text | note.text | orderDetail.text | patientInstruction',
  orderReasonCode: 'reasonCode',
  orderReasonReference: 'reasonReference.reference',
  orderAuthoredOn: 'authoredOn',
  orderQuantity: 'quantity.ofType(Quantity).value',
  orderMedication: 'medication.ofType(CodeableConcept)',
  orderInsurance: 'insurance.reference',
  orderLocation: 'locationReference.reference',
  orderBasedOn: 'basedOn.reference',
} as const;
export type PathName = keyof typeof PATHS;

type Compiled = (resource: unknown) => unknown[];

const jsCompiled = new Map<PathName, Compiled>();
/** The fhirpath.js evaluator of a path, compiled once with the R4 model (the reference the fast path is tested against). */
export function fhirpathJs(name: PathName): Compiled {
  let f = jsCompiled.get(name);
  if (!f) {
    f = fhirpath.compile(PATHS[name], r4) as Compiled;
    jsCompiled.set(name, f);
  }
  return f;
}

/**
 * What the engine runs, compiled once at load: direct access for the plain subset (fast-path.ts),
 * fhirpath.js for anything else. Every path the engine ships is in the subset today, which lets the
 * browser bundle leave fhirpath.js out (vite.config.ts); a test keeps the two in agreement.
 */
const compiled = Object.fromEntries(
  (Object.keys(PATHS) as PathName[]).map((name) => [name, compileFastPath(PATHS[name]) ?? fhirpathJs(name)]),
) as Record<PathName, Compiled>;

/** Which paths run on the fast subset (reported by the equivalence test). */
export const FAST_PATHS = (Object.keys(PATHS) as PathName[]).filter((name) => compileFastPath(PATHS[name]) !== undefined);

/** Evaluate a named path; results are plain JSON (fhirpath resolves its internal types by default). */
export function read<T = unknown>(name: PathName, resource: unknown): T[] {
  try {
    return compiled[name](resource) as T[];
  } catch {
    // A malformed resource yields no value for this element: missing, not a crash.
    return [];
  }
}

export function readFirst<T = unknown>(name: PathName, resource: unknown): T | undefined {
  return read<T>(name, resource)[0];
}

/** The expression behind a path, for the evidence trail. */
export const expr = (name: PathName): string => PATHS[name];

/** Read CodeableConcepts through a path, normalised so malformed input cannot throw downstream. */
export function readConcepts(name: PathName, resource: unknown): ConceptLike[] {
  return read(name, resource).map(toConcept).filter((c): c is ConceptLike => c !== undefined);
}

export function readConcept(name: PathName, resource: unknown): ConceptLike | undefined {
  return readConcepts(name, resource)[0];
}

/** Read strings only: a number or object where text belongs is passed over, never trusted. */
export function readStrings(name: PathName, resource: unknown): string[] {
  return read(name, resource).filter((v): v is string => typeof v === 'string');
}

export function readString(name: PathName, resource: unknown): string | undefined {
  return readStrings(name, resource)[0];
}
