// The engine must never throw, whatever shape the record arrives in: real clients send single objects
// where arrays belong, numbers where strings belong, and resources with half their fields.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { determine, OUTCOMES } from '../../criteria';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadPersona, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
const TYPES = ['Patient', 'Coverage', 'Organization', 'Condition', 'Procedure', 'Observation', 'MedicationRequest', 'MedicationStatement', 'ServiceRequest', 'Encounter', 'DiagnosticReport', 'ImagingStudy', 'Location'];
const CODES = ['64772', '64625', '64451', '27096', 'G0260', '64999', 'J1100', 'M46.1', 'M53.3', '72514-3', '97110', '7258', '1', 'x'];
const SYSTEMS = ['http://www.ama-assn.org/go/cpt', 'http://hl7.org/fhir/sid/icd-10-cm', 'http://loinc.org', 'http://snomed.info/sct', 'https://nahdo.org/sopt', 'urn:x'];

const junk = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 12 }), fc.boolean(), fc.constant({}), fc.constant([]));
const coding = fc.record({ system: fc.oneof(fc.constantFrom(...SYSTEMS), junk), code: fc.oneof(fc.constantFrom(...CODES), junk), display: fc.oneof(fc.string({ maxLength: 20 }), junk) }, { requiredKeys: [] });
const concept = fc.oneof(
  fc.record({ coding: fc.oneof(fc.array(coding, { maxLength: 3 }), coding, junk), text: fc.oneof(fc.string({ maxLength: 30 }), junk) }, { requiredKeys: [] }),
  junk,
);
const date = fc.oneof(fc.constantFrom('2025-01-01', '2025-11-17T10:00:00Z', '2024', '2025-13-45', ''), junk);
const reference = fc.record({ reference: fc.oneof(fc.constantFrom('Patient/p', 'Procedure/x', 'Organization/o', 'Condition/c', 'Coverage/v'), junk) }, { requiredKeys: [] });
const resource = fc.record(
  {
    resourceType: fc.oneof(fc.constantFrom(...TYPES), junk),
    id: fc.oneof(fc.constantFrom('p', 'x', 'o', 'c', 'v'), junk),
    status: fc.oneof(fc.constantFrom('active', 'draft', 'completed', 'final', 'finished'), junk),
    code: concept,
    category: fc.oneof(concept, fc.array(concept, { maxLength: 2 })),
    clinicalStatus: concept,
    bodySite: fc.oneof(fc.array(concept, { maxLength: 2 }), concept),
    onsetDateTime: date,
    performedDateTime: date,
    effectiveDateTime: date,
    authoredOn: date,
    valueQuantity: fc.oneof(fc.record({ value: fc.oneof(fc.double({ noNaN: false }), junk), unit: fc.constantFrom('%', '{score}') }), junk),
    valueBoolean: fc.oneof(fc.boolean(), junk),
    interpretation: fc.oneof(fc.array(concept, { maxLength: 2 }), concept),
    partOf: fc.oneof(fc.array(reference, { maxLength: 2 }), reference),
    payor: fc.oneof(fc.array(reference, { maxLength: 2 }), reference),
    type: fc.oneof(concept, fc.array(concept, { maxLength: 2 })),
    medicationCodeableConcept: concept,
    reasonCode: fc.oneof(fc.array(concept, { maxLength: 2 }), concept),
    reasonReference: fc.oneof(fc.array(reference, { maxLength: 2 }), reference),
    quantityQuantity: fc.oneof(fc.record({ value: fc.integer() }), junk),
    address: fc.oneof(fc.array(fc.record({ state: fc.oneof(fc.constantFrom('TX', 'OH', 'WA'), junk) }), { maxLength: 2 }), junk),
    name: fc.oneof(fc.constantFrom('Aetna', 'Medicare Part B', 'Coordinated Care'), junk),
    outcome: concept,
    note: fc.oneof(fc.array(fc.record({ text: fc.oneof(fc.constantFrom('80-90% relief', 'lasting more than 6 months'), junk) }), { maxLength: 2 }), junk),
  },
  { requiredKeys: ['resourceType'] },
);

describe('the engine on malformed records', () => {
  it('never throws on random FHIR-shaped resources, and every determination is well formed', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 25 }), fc.option(fc.constantFrom('2025-11-17', '2026-11-21'), { nil: undefined }), (resources, asOf) => {
        const ds = determine(library, resources, { asOf });
        for (const d of ds) {
          expect(OUTCOMES).toContain(d.outcome);
          expect(d.criteria.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400, seed: 20261121 },
    );
  });

  it('never throws on a seed record with random resources mixed in', () => {
    const seed = resourcesOf(loadPersona('seed002-rfa-medicare-tx'));
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 10 }), (extra) => {
        expect(() => determine(library, [...seed, ...extra])).not.toThrow();
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('treats input that is not a list of resources as an empty record', () => {
    expect(determine(library, null as never)).toEqual([]);
    expect(determine(library, [null, 3, 'x', { resourceType: 7 }] as never)).toEqual([]);
  });
});
