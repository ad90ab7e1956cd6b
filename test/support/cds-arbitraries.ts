// fast-check arbitraries for CDS Hooks bodies, shaped like the real thing: every position holds its
// usual value most of the time and otherwise null, a wrong type, an empty value or a huge one. Used by
// the structure-aware fuzz test (test/faults/request-fuzz.test.ts).
import fc from 'fast-check';
import { ADA, adaFullPrefetch, adaRecord } from '../cds-hooks/patients';
import { CPT } from '../cds-hooks/harness';

/** The value itself, or null, a wrong type, an empty value or a huge one in its place. */
export function mut<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 60, arbitrary: valid },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 5 }), fc.constant([]), fc.constant({}), fc.array(fc.constant(null), { maxLength: 3 })) },
    { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(100_000), Array.from({ length: 2000 }, () => null), Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))) },
  );
}

/** An object whose `required` keys are always there (so most bodies get past parsing to the engine) and the rest may be left out. */
/** Mostly the first value, sometimes one of the others. */
const pick = <T>(main: T, ...others: T[]) => fc.oneof({ weight: 4, arbitrary: fc.constant(main) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
export const obj = (shape: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) => fc.record(shape, { requiredKeys: required as never[] });
const reference = obj({ reference: mut(pick(`Patient/${ADA}`, 'Patient/someone-else', 'Organization/cds-aetna-org', 'Coverage/cds-ada-cov')), display: mut(fc.string({ maxLength: 10 })) });
export const coding = obj({ system: mut(pick(CPT, 'http://hl7.org/fhir/sid/icd-10-cm', 'x')), code: mut(fc.constantFrom('64625', '64772', '27096', 'G0260', '64999', '64451', 'J1100', 'M46.1', '1')), display: mut(fc.string({ maxLength: 20 })) }, ['system', 'code']);
const concept = obj({ coding: mut(fc.array(mut(coding), { minLength: 1, maxLength: 3 })), text: mut(fc.string({ maxLength: 20 })) }, ['coding']);
const order = obj({
  resourceType: mut(pick('ServiceRequest', 'MedicationRequest', 'Patient')),
  id: mut(fc.constantFrom('o1', 'o2', 'o-3')),
  status: mut(pick('draft', 'active', 'completed')),
  intent: mut(fc.constant('order')),
  subject: mut(fc.oneof({ weight: 4, arbitrary: fc.constant({ reference: `Patient/${ADA}` }) }, { weight: 1, arbitrary: reference })),
  code: mut(concept),
  medicationCodeableConcept: mut(concept),
  category: mut(fc.oneof(concept, fc.array(concept, { maxLength: 2 }))),
  authoredOn: mut(fc.constantFrom('2025-06-01', '2025-13-45', 'yesterday')),
  insurance: mut(fc.array(mut(reference), { maxLength: 2 })),
  reasonCode: mut(fc.array(mut(concept), { maxLength: 2 })),
  locationReference: mut(fc.array(mut(reference), { maxLength: 2 })),
  note: mut(fc.array(mut(obj({ text: mut(fc.string({ maxLength: 30 })) })), { maxLength: 2 })),
}, ['resourceType', 'id', 'subject', 'code', 'status', 'authoredOn']);
const condition = obj({
  resourceType: mut(fc.constantFrom('Condition', 'Procedure', 'Observation', 'Coverage')),
  id: mut(fc.constantFrom('r1', 'r2', 'r3')),
  subject: mut(reference),
  beneficiary: mut(reference),
  code: mut(concept),
  onsetDateTime: mut(fc.constantFrom('2024-01-01', 'not a date')),
  performedDateTime: mut(fc.constantFrom('2024-02-01', '')),
  status: mut(fc.constantFrom('active', 'completed', 'final')),
  payor: mut(fc.array(mut(reference), { maxLength: 2 })),
  valueQuantity: mut(obj({ value: mut(fc.integer({ min: -5, max: 12 })) })),
  period: mut(obj({ start: mut(fc.constant('2024-01-01')), end: mut(fc.constant('2030-01-01')) })),
}, ['resourceType', 'id', 'subject', 'code']);
const bundle = obj({
  resourceType: mut(fc.constant('Bundle')),
  type: mut(fc.constant('searchset')),
  entry: mut(fc.array(mut(obj({ resource: mut(condition), fullUrl: mut(fc.string({ maxLength: 10 })) }, ['resource'])), { maxLength: 4 })),
  link: mut(fc.array(mut(obj({ relation: mut(fc.constant('next')), url: mut(fc.constant('http://127.0.0.1:9/x')) })), { maxLength: 2 })),
});
export const hookRequestArb = obj({
  hook: mut(fc.oneof({ weight: 8, arbitrary: fc.constant('order-sign') }, { weight: 1, arbitrary: fc.constantFrom('order-select', 'patient-view') })),
  hookInstance: mut(fc.uuid()),
  fhirServer: mut(fc.constantFrom('http://127.0.0.1:9/fhir', 'not a url', 'ftp://x', 'http://[::1')),
  fhirAuthorization: mut(obj({ access_token: mut(fc.string({ maxLength: 8 })), token_type: mut(fc.constant('Bearer')), scope: mut(fc.string({ maxLength: 8 })) })),
  context: mut(
    obj({
      userId: mut(fc.constant('Practitioner/1')),
      patientId: mut(fc.oneof({ weight: 8, arbitrary: fc.constant(ADA) }, { weight: 1, arbitrary: fc.constant('someone-else') })),
      encounterId: mut(fc.constant('e1')),
      draftOrders: mut(obj({ resourceType: mut(fc.constant('Bundle')), entry: mut(fc.array(mut(obj({ resource: mut(order) }, ['resource'])), { maxLength: 3 })) }, ['resourceType', 'entry'])),
    }, ['userId', 'patientId', 'draftOrders']),
  ),
  prefetch: mut(
    fc.oneof(
      fc.constant(adaFullPrefetch()),
      // Ada's whole prefetch with some keys replaced, so most bodies need no fetch and reach the engine.
      obj({ patient: mut(fc.constant(adaRecord.entry![0]!.resource)), coverage: mut(bundle), conditions: mut(bundle), procedures: mut(bundle), observations: mut(bundle), mine: mut(bundle) }).map(
        (p) => ({ ...adaFullPrefetch(), ...p }),
      ),
    ),
  ),
}, ['hook', 'hookInstance', 'context']);

