// FHIRPath as configuration: every element the engine reads from a resource is named here, compiled
// once at module load with the R4 model (without it, choice types such as Observation.value[x]
// silently return nothing), and its expression string travels with the evidence it finds.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { ConceptLike } from './model';
import { toConcept } from './valueset';
import { compileFastFirst, compileFastPath } from './fast-path';

export const PATHS = {
  conditionCode: 'Condition.code',
  conditionBodySite: 'Condition.bodySite',
  conditionClinicalStatus: 'Condition.clinicalStatus.coding.code',
  conditionVerification: 'Condition.verificationStatus.coding.code',
  conditionOnset: 'Condition.onset.ofType(dateTime) | Condition.onset.ofType(Period).start',
  conditionRecorded: 'Condition.recordedDate',
  // Any abatement[x] (FHIR R4 con-4: with one, the condition is not active): a date, a period, an age, a range or words ("healed, 2015").
  conditionAbatement: 'Condition.abatement.ofType(dateTime) | Condition.abatement.ofType(Period) | Condition.abatement.ofType(Age) | Condition.abatement.ofType(Range) | Condition.abatement.ofType(string)',
  conditionNote: 'Condition.note.text',

  allergyCode: 'AllergyIntolerance.code',
  allergyClinicalStatus: 'AllergyIntolerance.clinicalStatus.coding.code',
  allergyVerification: 'AllergyIntolerance.verificationStatus.coding.code',
  allergyDate: 'AllergyIntolerance.onset.ofType(dateTime) | AllergyIntolerance.recordedDate',

  procedureCode: 'Procedure.code',
  procedureStatus: 'Procedure.status',
  procedureDate: 'Procedure.performed.ofType(dateTime) | Procedure.performed.ofType(Period).start',
  procedureText: 'Procedure.outcome.text | Procedure.outcome.coding.display | Procedure.note.text',
  procedureBodySite: 'Procedure.bodySite',
  procedureCategory: 'Procedure.category',

  encounterType: 'Encounter.type | Encounter.serviceType',
  encounterStatus: 'Encounter.status',
  encounterDate: 'Encounter.period.start',

  carePlanActivity: 'CarePlan.activity.detail',
  carePlanStatus: 'CarePlan.status',
  carePlanStart: 'CarePlan.period.start',
  carePlanEnd: 'CarePlan.period.end',

  observationCode: 'Observation.code',
  observationStatus: 'Observation.status',
  observationDate:
    'Observation.effective.ofType(dateTime) | Observation.effective.ofType(Period).start | Observation.effective.ofType(instant) | Observation.issued',
  observationQuantity: 'Observation.value.ofType(Quantity)',
  observationInteger: 'Observation.value.ofType(integer)',
  observationBoolean: 'Observation.value.ofType(boolean)',
  observationConcept: 'Observation.value.ofType(CodeableConcept)',
  observationString: 'Observation.value.ofType(string)',
  observationInterpretation: 'Observation.interpretation.coding.code',
  observationPartOf: 'Observation.partOf.reference',
  observationBodySite: 'Observation.bodySite',
  observationNote: 'Observation.note.text',
  observationComponent: 'Observation.component',
  observationRangeHigh: 'Observation.referenceRange.high.value',
  observationText: 'Observation.value.ofType(string) | Observation.note.text',

  medicationRequestCode: 'MedicationRequest.medication.ofType(CodeableConcept)',
  medicationRequestRef: 'MedicationRequest.medication.ofType(Reference).reference',
  medicationRequestStatus: 'MedicationRequest.status',
  medicationRequestStart: 'MedicationRequest.dispenseRequest.validityPeriod.start | MedicationRequest.authoredOn',
  medicationRequestEnd: 'MedicationRequest.dispenseRequest.validityPeriod.end',
  medicationStatementCode: 'MedicationStatement.medication.ofType(CodeableConcept)',
  medicationStatementRef: 'MedicationStatement.medication.ofType(Reference).reference',
  medicationStatementStatus: 'MedicationStatement.status',
  medicationStatementStart:
    'MedicationStatement.effective.ofType(Period).start | MedicationStatement.effective.ofType(dateTime) | MedicationStatement.dateAsserted',
  medicationStatementEnd: 'MedicationStatement.effective.ofType(Period).end',
  medicationDispenseCode: 'MedicationDispense.medication.ofType(CodeableConcept)',
  medicationDispenseRef: 'MedicationDispense.medication.ofType(Reference).reference',
  medicationDispenseStatus: 'MedicationDispense.status',
  medicationDispenseDate: 'MedicationDispense.whenHandedOver | MedicationDispense.whenPrepared',
  medicationDispenseHandedOver: 'MedicationDispense.whenHandedOver',
  medicationDispenseDays: 'MedicationDispense.daysSupply.value',
  medicationAdministrationCode: 'MedicationAdministration.medication.ofType(CodeableConcept)',
  medicationAdministrationRef: 'MedicationAdministration.medication.ofType(Reference).reference',
  medicationAdministrationStatus: 'MedicationAdministration.status',
  medicationAdministrationStart: 'MedicationAdministration.effective.ofType(dateTime) | MedicationAdministration.effective.ofType(Period).start',
  medicationAdministrationEnd: 'MedicationAdministration.effective.ofType(Period).end',
  medicationCode: 'Medication.code',

  reportCode: 'DiagnosticReport.code',
  reportStatus: 'DiagnosticReport.status',
  reportCategory: 'DiagnosticReport.category',
  reportDate: 'DiagnosticReport.effective.ofType(dateTime) | DiagnosticReport.effective.ofType(Period).start | DiagnosticReport.issued',
  reportText: 'DiagnosticReport.conclusion | DiagnosticReport.conclusionCode.text | DiagnosticReport.code.text',
  reportConclusion: 'DiagnosticReport.conclusion',
  reportConclusionCode: 'DiagnosticReport.conclusionCode',
  reportNarrative: 'DiagnosticReport.text.`div`',
  reportPresentedForm: 'DiagnosticReport.presentedForm',
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
  coverageSubscriberId: 'Coverage.subscriberId',
  coverageIdentifier: 'Coverage.identifier.value',
  coverageClassName: 'Coverage.class.name | Coverage.class.value',

  patientAddress: 'Patient.address',
  patientBirthDate: 'Patient.birthDate',
  locationState: 'Location.address.state',
  organizationName: 'Organization.name | Organization.alias',
  organizationIdentifier: 'Organization.identifier',

  orderCode: 'code',
  orderStatus: 'status',
  orderText: 'code.text | note.text | orderDetail.text | orderDetail.coding.display | patientInstruction',
  orderDetail: 'orderDetail',
  orderReasonCode: 'reasonCode',
  orderReasonReference: 'reasonReference.reference',
  orderAuthoredOn: 'authoredOn',
  orderOccurrence: 'occurrence.ofType(dateTime) | occurrence.ofType(Period).start | occurrence.ofType(Timing).event',
  orderQuantity: 'quantity.ofType(Quantity).value',
  orderMedication: 'medication.ofType(CodeableConcept)',
  orderMedicationRef: 'medication.ofType(Reference).reference',
  orderDosageText: 'dosageInstruction.text | dosageInstruction.route.text | dosageInstruction.route.coding.display',
  orderInsurance: 'insurance.reference',
  orderLocation: 'locationReference.reference',
  orderBasedOn: 'basedOn.reference',
  orderBodySite: 'bodySite',
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

/** Evaluate a named path; results are plain JSON (fhirpath resolves its internal types by default), in a new list the caller owns. */
export function read<T = unknown>(name: PathName, resource: unknown): T[] {
  try {
    return compiled[name](resource) as T[];
  } catch {
    // A malformed resource yields no value for this element: missing, not a crash.
    return [];
  }
}

/** Each path's first-value search (fast-path.ts), where the path is in the fast subset. */
const firsts = Object.fromEntries((Object.keys(PATHS) as PathName[]).map((name) => [name, compileFastFirst(PATHS[name])])) as Record<
  PathName,
  ((resource: unknown, wanted: (v: unknown) => boolean) => unknown) | undefined
>;
const anyValue = () => true;
const isString = (v: unknown) => typeof v === 'string';

/** The first value of a path: read(name, resource)[0], without the list of the others. */
export function readFirst<T = unknown>(name: PathName, resource: unknown): T | undefined {
  const first = firsts[name];
  if (!first) return read<T>(name, resource)[0];
  try {
    return first(resource, anyValue) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The expression behind a path, for the evidence trail. */
export const expr = (name: PathName): string => PATHS[name];

/** Read CodeableConcepts through a path, normalised so malformed input cannot throw downstream. */
export function readConcepts(name: PathName, resource: unknown): ConceptLike[] {
  // read() returns a new list on every call: it is rewritten in place rather than copied.
  const values = read(name, resource);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const c = toConcept(values[i]);
    if (c !== undefined) values[n++] = c;
  }
  if (n < values.length) values.length = n;
  return values as ConceptLike[];
}

export function readConcept(name: PathName, resource: unknown): ConceptLike | undefined {
  return readConcepts(name, resource)[0];
}

/** Read strings only: a number or object where text belongs is passed over, never trusted. */
export function readStrings(name: PathName, resource: unknown): string[] {
  const values = read(name, resource);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (typeof values[i] === 'string') values[n++] = values[i];
  if (n < values.length) values.length = n;
  return values as string[];
}

/** The first string of a path: readStrings(name, resource)[0], without the list of the others. */
export function readString(name: PathName, resource: unknown): string | undefined {
  const first = firsts[name];
  if (!first) return readStrings(name, resource)[0];
  try {
    return first(resource, isString) as string | undefined;
  } catch {
    return undefined;
  }
}
