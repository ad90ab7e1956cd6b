// Each way DOMAIN.md §3 says records carry a fact is read: relief three ways, manoeuvres by name with
// interpretation, boolean or coded value, conservative care from Procedures, Encounters and
// medication statements, conditions by SNOMED or by text with a body site.
import { describe, expect, it } from 'vitest';
import { type Fact } from '../../criteria';
import { factReader } from '../../criteria/facts';
import { findOrders } from '../../criteria/orders';
import { extractRecords } from '../../criteria/records';
import { attachRelief } from '../../criteria/relief';
import { loadLibraryFromDisk } from '../../server/policy-files';

const lib = loadLibraryFromDisk();
const CPT = 'http://www.ama-assn.org/go/cpt';
const order = { resourceType: 'ServiceRequest', id: 'o1', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, authoredOn: '2025-11-17', code: { coding: [{ system: CPT, code: '64625' }] } };
const facts = (resources: object[]): ((id: string) => Fact) => {
  const all = [{ resourceType: 'Patient', id: 'p' }, order, ...resources];
  const records = extractRecords(lib, all);
  attachRelief(lib, records);
  const orders = findOrders(lib, undefined, records, all);
  return factReader({ lib, records, order: orders[0]!, orders, asOf: '2025-11-17' });
};
const block = (id: string, date: string, extra: object = {}) => ({ resourceType: 'Procedure', id, status: 'completed', subject: { reference: 'Patient/p' }, code: { coding: [{ system: CPT, code: '64451' }] }, performedDateTime: date, ...extra });
const nrs = (id: string, at: string, value: number, partOf?: string) => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] }, effectiveDateTime: at,
  valueQuantity: { value, unit: '{score}' }, ...(partOf ? { partOf: [{ reference: partOf }] } : {}),
});

describe('relief after a block', () => {
  it('(a) from pre and post scores on the block day, ordered by time around the block, without partOf', () => {
    const f = facts([block('b1', '2025-10-01T10:00:00Z'), nrs('n1', '2025-10-01T09:30:00Z', 8), nrs('n2', '2025-10-01T10:45:00Z', 2)]);
    expect(f('lbb-min-relief').value).toBe(75);
    expect(f('lbb-min-relief').evidence.map((e) => e.reference)).toEqual(['Procedure/b1', 'Observation/n1', 'Observation/n2']);
  });
  it('(b) from a % Observation partOf the block, which wins over the note', () => {
    const f = facts([
      block('b1', '2025-10-01', { note: [{ text: '50% relief' }] }),
      { resourceType: 'Observation', id: 'r1', status: 'final', code: { text: 'Percent pain relief after block' }, partOf: [{ reference: 'Procedure/b1' }], valueQuantity: { value: 90, unit: '%' } },
    ]);
    expect(f('lbb-min-relief').value).toBe(90);
  });
  it('(c) from the outcome text, taking the lower bound of a range', () => {
    expect(facts([block('b1', '2025-10-01', { outcome: { text: '80-90% relief of index pain' } })])('lbb-min-relief').value).toBe(80);
  });
  it('a block without any relief recorded is unknown, not failed', () => {
    const f = facts([block('b1', '2025-10-01')]);
    expect(f('lbb-sessions').value).toBe(1);
    expect(f('lbb-min-relief').value).toBeUndefined();
  });
});

describe('provocative manoeuvres', () => {
  const test = (id: string, text: string, result: object) => ({ resourceType: 'Observation', id, status: 'final', code: { text }, effectiveDateTime: '2025-09-01', ...result });
  it('count positive by interpretation, valueBoolean or a coded positive value, each manoeuvre once', () => {
    const f = facts([
      test('t1', 'FABER test', { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'POS' }] }] }),
      test('t2', 'Gaenslen test', { valueBoolean: true }),
      test('t3', 'Thigh thrust', { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '10828004', display: 'Positive' }] } }),
      test('t4', "Patrick's test (repeat)", { valueBoolean: true }),
      test('t5', 'Distraction test', { valueBoolean: false }),
    ]);
    expect(f('positive-provocative-tests').value).toBe(3);
  });
  it('with none recorded the count is unknown', () => {
    expect(facts([])('positive-provocative-tests').value).toBeUndefined();
  });
});

describe('conservative care', () => {
  it('spans Encounters typed with PT codes and a MedicationStatement period', () => {
    const f = facts([
      { resourceType: 'Encounter', id: 'e1', status: 'finished', type: [{ coding: [{ system: CPT, code: '97110' }] }], period: { start: '2025-06-02' } },
      { resourceType: 'Encounter', id: 'e2', status: 'finished', type: [{ coding: [{ system: CPT, code: '97140' }] }], period: { start: '2025-06-30' } },
      { resourceType: 'MedicationStatement', id: 'm1', status: 'completed', medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7258' }] }, effectivePeriod: { start: '2025-06-01', end: '2025-08-10' } },
    ]);
    expect(f('pt-weeks').value).toBe(4);
    expect(f('pt-sessions').value).toBe(2);
    expect(f('conservative-care-weeks').value).toBe(10);
    expect(f('analgesic-classes').value).toBe(1);
  });
  it('a draft medication order is not care received', () => {
    const f = facts([{ resourceType: 'MedicationRequest', id: 'm1', status: 'draft', medicationCodeableConcept: { text: 'naproxen 500 mg' }, authoredOn: '2025-06-01' }]);
    expect(f('analgesic-classes').value).toBeUndefined();
  });
});

describe('diagnoses', () => {
  const cond = (id: string, code: object, extra: object = {}) => ({ resourceType: 'Condition', id, clinicalStatus: { coding: [{ code: 'active' }] }, code, onsetDateTime: '2025-01-01', ...extra });
  it('M53.3 is sacroiliac pain only with the SIJ as body site, coccydynia with the coccyx', () => {
    const m533 = { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M53.3' }] };
    expect(facts([cond('c1', m533, { bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '39723000' }] }] })])('sij-diagnosis').value).toBe(true);
    expect(facts([cond('c1', m533, { bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '64688005' }] }] })])('coccydynia-diagnosis').value).toBe(true);
    expect(facts([cond('c1', m533)])('sij-diagnosis').value).toBeUndefined();
  });
  it('a SNOMED-only condition counts, a resolved one does not', () => {
    const snomed = { coding: [{ system: 'http://snomed.info/sct', code: '9631008', display: 'Ankylosing spondylitis' }] };
    expect(facts([cond('c1', snomed)])('inflammatory-spondyloarthritis').value).toBe(true);
    expect(facts([cond('c1', snomed, { clinicalStatus: { coding: [{ code: 'resolved' }] } })])('inflammatory-spondyloarthritis').value).toBe(false);
  });
  it('radiculopathy is excluded by a negative straight-leg raise, and unknown with no examination', () => {
    const slr = { resourceType: 'Observation', id: 's1', status: 'final', code: { text: 'Straight leg raise' }, interpretation: [{ coding: [{ code: 'NEG' }] }], effectiveDateTime: '2025-09-01' };
    expect(facts([slr])('radiculopathy').value).toBe(false);
    expect(facts([])('radiculopathy').value).toBeUndefined();
  });
});

describe('orders', () => {
  const lib2 = loadLibraryFromDisk();
  it('J1100 signed on its own is judged with the record\'s draft injection, and only J1100 is returned', async () => {
    const { loadPersona, resourcesOf } = await import('../support/fixtures');
    const { determine } = await import('../../criteria');
    const record = resourcesOf(loadPersona('inflammatory-sacroiliitis-27096'));
    const j1100 = record.find((r) => r.resourceType === 'MedicationRequest' && r.status === 'draft')!;
    const ds = determine(lib2, record.filter((r) => r !== j1100), { orders: [j1100], today: '2026-12-01' });
    expect(ds.map((d) => d.order.code.code)).toEqual(['J1100']);
    expect(ds[0]!.criteria[0]!.text).toContain('27096');
    expect(ds[0]!.outcome).toBe(determine(lib2, record, { codes: ['27096'], today: '2026-12-01' })[0]!.outcome);
  });
  it('J1100 with no procedure to follow, in the request or the record, gets no determination', async () => {
    const { determine } = await import('../../criteria');
    const drug = { resourceType: 'MedicationRequest', id: 'm1', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { coding: [{ system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J1100' }] } };
    expect(determine(lib2, [{ resourceType: 'Patient', id: 'p' }], { orders: [drug] })).toEqual([]);
  });
});

describe('references however they are spelled', () => {
  const spellings = (ref: string) => [ref, `https://ehr.example/fhir/${ref}`, `${ref}/_history/3`, `https://ehr.example/fhir/${ref}/_history/3`];

  it('a Coverage names its payer relative, absolute or versioned: the payer is found each way', async () => {
    const { loadPersona, resourcesOf } = await import('../support/fixtures');
    const { determine } = await import('../../criteria');
    const record = resourcesOf(loadPersona('seed000-neurectomy-aetna'));
    const cov = record.find((r) => r.resourceType === 'Coverage') as any;
    const payer = cov.payor[0].reference.replace(/^.*\/(Organization\/[^/]+)$/, '$1');
    const base = determine(lib, record, { today: '2026-12-01' });
    expect(base[0]!.policy.kind).toBe('payer-policy');
    for (const spelled of spellings(payer)) {
      const changed = record.map((r) => (r === cov ? { ...cov, payor: [{ reference: spelled }] } : r));
      const ds = determine(lib, changed, { today: '2026-12-01' });
      expect(ds.map((d) => [d.policy.id, d.coverage?.payerName]), spelled).toEqual(base.map((d) => [d.policy.id, d.coverage?.payerName]));
    }
  });

  it('a relief Observation partOf its block, relative, absolute or versioned, is linked to it', () => {
    for (const spelled of spellings('Procedure/b1')) {
      const f = facts([block('b1', '2025-10-01'), { resourceType: 'Observation', id: 'r1', status: 'final', code: { text: 'Percent pain relief after block' }, partOf: [{ reference: spelled }], valueQuantity: { value: 85, unit: '%' } }]);
      expect(f('lbb-min-relief').value, spelled).toBe(85);
    }
  });
});
