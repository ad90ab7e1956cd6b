// A generated sandbox persona with a long record (about 500 resources) for paging and speed work:
// two years of physical therapy, pain scores, analgesic prescriptions, provocative tests, a positive
// diagnostic SIJ injection, and a draft order for lateral branch blocks (64451) under Medicare (WA).
// Deterministic: the same bundle every start, so tests and timings are comparable.
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

export const LARGE_PATIENT_ID = 'sandbox-large';
export const LARGE_PATIENT_SIZE = 500;
const P = `Patient/${LARGE_PATIENT_ID}`;
const CPT = 'http://www.ama-assn.org/go/cpt';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function day(start: string, offset: number): string {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

export function largePatientBundle(): Bundle {
  const out: Resource[] = [];
  const add = (r: Resource) => out.push(r);
  add({
    resourceType: 'Patient',
    id: LARGE_PATIENT_ID,
    name: [{ use: 'official', family: 'Longrecord', given: ['Lena'] }],
    gender: 'female',
    birthDate: '1954-03-08',
    address: [{ state: 'WA', city: 'Spokane', country: 'US' }],
  });
  add({ resourceType: 'Organization', id: 'sandbox-large-medicare', name: 'Medicare (Noridian JF)' });
  add({
    resourceType: 'Coverage',
    id: 'sandbox-large-coverage',
    status: 'active',
    beneficiary: { reference: P },
    payor: [{ reference: 'Organization/sandbox-large-medicare', display: 'Medicare' }],
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SUBSIDIZ', display: 'subsidized health program' }] },
    period: { start: '2019-03-01' },
  });
  add({
    resourceType: 'Condition',
    id: 'sandbox-large-sij-pain',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M46.1', display: 'Sacroiliitis, not elsewhere classified' }], text: 'Right sacroiliac joint pain' },
    subject: { reference: P },
    onsetDateTime: '2023-09-01',
  });
  const start = '2023-10-02';
  // 100 PT sessions, 2 a week, each as a Procedure (97110) in an Encounter.
  for (let i = 0; i < 100; i++) {
    const date = day(start, Math.floor(i / 2) * 7 + (i % 2) * 3);
    add({
      resourceType: 'Encounter',
      id: `sandbox-large-pt-enc-${i}`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: CPT, code: '97110', display: 'Therapeutic exercises' }], text: 'Physical therapy' }],
      subject: { reference: P },
      period: { start: date, end: date },
    });
    add({
      resourceType: 'Procedure',
      id: `sandbox-large-pt-${i}`,
      status: 'completed',
      code: { coding: [{ system: CPT, code: '97110', display: 'Therapeutic exercises' }], text: 'Physical therapy, SIJ stabilisation' },
      subject: { reference: P },
      encounter: { reference: `Encounter/sandbox-large-pt-enc-${i}` },
      performedDateTime: date,
    });
    // A pain score at every PT visit: 7 → 6 over the course.
    add({
      resourceType: 'Observation',
      id: `sandbox-large-nrs-${i}`,
      status: 'final',
      code: { coding: [{ system: LOINC, code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported' }] },
      subject: { reference: P },
      effectiveDateTime: date,
      valueQuantity: { value: i < 50 ? 7 : 6, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
    });
  }
  // Monthly naproxen refills.
  for (let m = 0; m < 24; m++) {
    add({
      resourceType: 'MedicationRequest',
      id: `sandbox-large-naproxen-${m}`,
      status: m === 23 ? 'active' : 'completed',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '198014', display: 'naproxen 500 MG Oral Tablet' }], text: 'Naproxen 500 mg' },
      subject: { reference: P },
      authoredOn: day(start, m * 30),
      dosageInstruction: [{ text: '500 mg by mouth twice daily with food' }],
    });
  }
  const tests = ['FABER', 'Gaenslen', 'Thigh thrust', 'Compression', 'Distraction'];
  tests.forEach((name, i) =>
    add({
      resourceType: 'Observation',
      id: `sandbox-large-provocative-${i}`,
      status: 'final',
      code: { text: `${name} test, right` },
      subject: { reference: P },
      effectiveDateTime: '2025-06-10',
      valueBoolean: i < 4,
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: i < 4 ? 'POS' : 'NEG' }] }],
    }),
  );
  add({
    resourceType: 'Procedure',
    id: 'sandbox-large-ia-injection',
    status: 'completed',
    code: { coding: [{ system: CPT, code: '27096', display: 'Injection procedure for sacroiliac joint' }], text: 'Diagnostic right SIJ injection, fluoroscopic guidance' },
    subject: { reference: P },
    performedDateTime: '2025-07-15',
    outcome: { text: '85% relief of index pain for 6 hours' },
  });
  add({
    resourceType: 'Observation',
    id: 'sandbox-large-ia-relief',
    status: 'final',
    code: { text: 'Percent pain relief after block' },
    subject: { reference: P },
    partOf: [{ reference: 'Procedure/sandbox-large-ia-injection' }],
    effectiveDateTime: '2025-07-15',
    valueQuantity: { value: 85, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });
  add({
    resourceType: 'ServiceRequest',
    id: 'sandbox-large-order-64451',
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: CPT, code: '64451', display: 'Injection, nerves innervating the sacroiliac joint, with image guidance' }] },
    subject: { reference: P },
    authoredOn: '2025-09-01',
    reasonReference: [{ reference: 'Condition/sandbox-large-sij-pain' }],
    quantityQuantity: { value: 1 },
  });
  // Routine vital signs fill the record to exactly 500 resources: most of a real record is unrelated.
  for (let i = 0; out.length < LARGE_PATIENT_SIZE; i++) {
    add({
      resourceType: 'Observation',
      id: `sandbox-large-weight-${i}`,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
      subject: { reference: P },
      effectiveDateTime: day('2021-01-04', i * 5),
      valueQuantity: { value: 70 + (i % 5), unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    });
  }
  const entry: BundleEntry[] = out.map((resource) => ({ resource }));
  return { resourceType: 'Bundle', type: 'collection', entry };
}
