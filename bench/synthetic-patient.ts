// A patient record of any size for the benchmarks: a criteria-met Medicare persona (LCD L39383,
// 64451 order) padded with years of ordinary care — pain scores, therapy visits, prescriptions,
// unrelated problems — so the engine has realistic work at 50, 500 and 5,000 resources.
import { addDays } from '../criteria/dates';
import { PREFETCH_TEMPLATES } from '../cds-hooks/prefetch';
import { loadPersona, resourcesOf } from '../test/support/fixtures';

type Resource = Record<string, unknown> & { resourceType: string; id?: string };

export function syntheticPatient(total: number): { patientId: string; resources: Resource[]; orders: Resource[] } {
  const base = resourcesOf(loadPersona('met-medicare-64451-oh')) as Resource[];
  const patient = base.find((r) => r.resourceType === 'Patient')!;
  const subject = { reference: `Patient/${patient.id}` };
  const orders = base.filter((r) => r.resourceType === 'ServiceRequest' && r.status === 'draft');
  const resources = base.filter((r) => !orders.includes(r));
  const kinds = [
    (i: number, date: string): Resource => ({
      resourceType: 'Observation', id: `pad-obs-${i}`, status: 'final', subject, effectiveDateTime: date,
      code: { coding: [{ system: 'http://loinc.org', code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported' }] },
      valueQuantity: { value: 4 + (i % 4), unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
    }),
    (i: number, date: string): Resource => ({
      resourceType: 'Encounter', id: `pad-enc-${i}`, status: 'finished', class: { code: 'AMB' }, subject, period: { start: date, end: date },
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up' }] }],
    }),
    (i: number, date: string): Resource => ({
      resourceType: 'Condition', id: `pad-cond-${i}`, subject, onsetDateTime: date, recordedDate: date,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: i % 3 ? 'resolved' : 'active' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: ['I10', 'E78.5', 'J06.9', 'K21.9'][i % 4] }] },
    }),
    (i: number, date: string): Resource => ({
      resourceType: 'MedicationRequest', id: `pad-med-${i}`, status: 'completed', intent: 'order', subject, authoredOn: date,
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: ['314076', '197361', '198014'][i % 3] }] },
    }),
    (i: number, date: string): Resource => ({
      resourceType: 'Procedure', id: `pad-proc-${i}`, status: 'completed', subject, performedDateTime: date,
      code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: ['97110', '99213', '36415'][i % 3] }] },
    }),
  ];
  for (let i = 0; resources.length < total - orders.length; i++) {
    resources.push(kinds[i % kinds.length]!(i, addDays('2018-01-01', (i * 3) % 2800)));
  }
  return { patientId: String(patient.id), resources, orders };
}

/** An order-sign request with the whole record in one prefetch Bundle. */
export function orderSignRequest(total: number): { body: string; resources: Resource[] } {
  const { patientId, resources, orders } = syntheticPatient(total);
  const bundle = { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
  const body = JSON.stringify({
    hook: 'order-sign',
    hookInstance: '2d3f6a62-6f3c-4b1a-9d7e-6a2f0c1b9e11',
    context: { userId: 'Practitioner/bench', patientId, draftOrders: { resourceType: 'Bundle', entry: orders.map((resource) => ({ resource })) } },
    // Every template key answered (empty), the record under one more key: no fallback fetching.
    prefetch: { ...Object.fromEntries(Object.keys(PREFETCH_TEMPLATES).map((k) => [k, { resourceType: 'Bundle', type: 'searchset', entry: [] }])), patient: resources.find((r) => r.resourceType === 'Patient'), record: bundle },
  });
  return { body, resources };
}
