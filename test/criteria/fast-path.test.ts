// The fast path must be FHIRPath: for every named path and every resource of every fixture (and
// random well-typed resources), direct access gives exactly what fhirpath.js with the R4 model gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFastPath } from '../../criteria/fast-path';
import { FAST_PATHS, fhirpathJs, PATHS, read, readFirst, readString, readStrings, type PathName } from '../../criteria/fhirpath';
import { loadPersona, personaNames, resourcesOf } from '../support/fixtures';

const names = Object.keys(PATHS) as PathName[];
const fixtures = personaNames().flatMap((n) => resourcesOf(loadPersona(n)));
const norm = (v: unknown[]) => JSON.parse(JSON.stringify(v));

describe('fast FHIRPath subset', () => {
  it('covers every path the engine ships, so the browser bundle can leave fhirpath.js out', () => {
    expect(FAST_PATHS).toEqual(names);
  });

  it('gives the same results as fhirpath.js for every path over every fixture resource', () => {
    let compared = 0;
    for (const name of FAST_PATHS) {
      const fast = compileFastPath(PATHS[name])!;
      for (const r of fixtures) {
        expect(norm(fast(r)), `${name} on ${r.resourceType}/${r.id}`).toEqual(norm(fhirpathJs(name)(r)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('gives the same results on random well-typed resources', () => {
    const cc = fc.record({ coding: fc.array(fc.record({ system: fc.constantFrom('http://loinc.org', 'x'), code: fc.constantFrom('a', 'b') }), { maxLength: 2 }), text: fc.string({ maxLength: 5 }) }, { requiredKeys: [] });
    // Choice elements ([x]) only on the types that define them: that is what "well-typed" means here.
    const common = {
      code: cc,
      recordedDate: fc.constantFrom('2025-01-02', '2024-05-06'),
      interpretation: fc.array(cc, { maxLength: 2 }),
      partOf: fc.array(fc.record({ reference: fc.constantFrom('Procedure/a', 'Procedure/b') }), { maxLength: 2 }),
      note: fc.array(fc.record({ text: fc.string({ maxLength: 8 }) }), { maxLength: 2 }),
      name: fc.string({ maxLength: 6 }),
      alias: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
      reasonCode: fc.array(cc, { maxLength: 2 }),
    };
    const typed = (resourceType: string, extra: Record<string, fc.Arbitrary<unknown>>) =>
      fc.record({ resourceType: fc.constant(resourceType), ...common, ...extra }, { requiredKeys: ['resourceType'] });
    const resource = fc.oneof(
      typed('Condition', { onsetDateTime: fc.constantFrom('2025-01-02', '2025-01-02T03:04:05Z') }),
      typed('Procedure', { performedPeriod: fc.record({ start: fc.constantFrom('2025-02-03') }) }),
      typed('Observation', { valueQuantity: fc.record({ value: fc.integer({ min: 0, max: 10 }), unit: fc.constantFrom('%', '{score}') }), effectiveDateTime: fc.constant('2025-03-04') }),
      typed('Observation', { valueBoolean: fc.boolean() }),
      typed('ServiceRequest', { quantityQuantity: fc.record({ value: fc.integer({ min: 1, max: 9 }) }), authoredOn: fc.constant('2025-11-17') }),
      typed('MedicationRequest', { medicationCodeableConcept: cc }),
      typed('Coverage', {}),
      typed('Organization', {}),
    );
    fc.assert(
      fc.property(resource, (r) => {
        for (const name of FAST_PATHS) {
          expect(norm(compileFastPath(PATHS[name])!(r)), name).toEqual(norm(fhirpathJs(name)(r)));
          expect(readFirst(name, r), `${name} first`).toBe(read(name, r)[0]);
          expect(readString(name, r), `${name} string`).toBe(readStrings(name, r)[0]);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('finds the first value and the first string of every path as the full list has them', () => {
    const odd: unknown[] = [
      null,
      'text',
      [],
      { resourceType: 'Observation', status: ['final', 'amended'], note: [null, { text: 3 }, { text: 'b' }, { text: 'c' }], valueString: '' },
      { resourceType: 'Observation', issued: 5, effectiveDateTime: ['x'], effectivePeriod: { start: 'p' }, effectiveInstant: 'i' },
      { resourceType: 'Procedure', outcome: [{ text: 1, coding: [{ display: null }, { display: 'd' }] }], note: [{ text: 'n' }] },
      { resourceType: 'Organization', name: 'A', alias: ['A', 'B'] },
      { resourceType: 'DiagnosticReport', conclusion: { x: 1 }, conclusionCode: [{ text: 't' }], code: { text: 't' } },
      { resourceType: 'Encounter', type: [{ text: 'a' }, null, [{ text: 'nested' }]], serviceType: { text: 'a' } },
    ];
    let compared = 0;
    for (const name of FAST_PATHS) {
      for (const r of [...fixtures, ...odd]) {
        expect(readFirst(name, r), `${name} first`).toBe(read(name, r)[0]);
        expect(readString(name, r), `${name} string`).toBe(readStrings(name, r)[0]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('leaves expressions outside the subset to fhirpath.js', () => {
    for (const e of ["Patient.address.where(use = 'home')", 'Observation.value.exists()', "code.coding[0]", 'Condition.code.first()']) expect(compileFastPath(e)).toBeUndefined();
  });
});
