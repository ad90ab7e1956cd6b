// Properties of reading a record as a reviewer would, over every persona and random additions:
// a negated mention, a history code, or the other side of a procedure entered separately on the same
// day never changes any determination; and an earlier version of a policy never governs an order
// dated after it was retired.
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { determine, type Determination } from '../../criteria';
import { loadLibraryFromDisk, REPO_ROOT } from '../../server/policy-files';
import { loadPersona, mutate, personaNames, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
const TODAY = '2026-12-01';
const personas = personaNames().map((name) => ({ name, resources: resourcesOf(loadPersona(name)) }));
const patientOf = (rs: { resourceType: string; id?: string }[]) => `Patient/${rs.find((r) => r.resourceType === 'Patient')!.id}`;
/** What a reviewer would compare: each order's outcome, policy and criterion statuses. */
const verdict = (ds: Determination[]) => ds.map((d) => ({ order: d.order.reference, outcome: d.outcome, policy: d.policy.id, criteria: d.criteria.map((c) => `${c.id}=${c.status}`) }));
const judge = (resources: unknown[]) => verdict(determine(library, resources, { today: TODAY }));
const persona = fc.constantFrom(...personas);

describe('reading properties', () => {
  it('a negated mention of a finding, in any form a problem list carries it, never changes a determination', () => {
    const negated = fc.constantFrom(
      'No radiculopathy',
      'Denies sciatica',
      'No sacral insufficiency fracture',
      'Lumbar stenosis without neurogenic claudication',
      'Negative for malignancy',
      'Osteomyelitis ruled out',
      'No evidence of ankylosing spondylitis',
      'Pregnancy test negative; not pregnant',
    );
    fc.assert(
      fc.property(persona, negated, (p, text) => {
        const extra = { resourceType: 'Condition', id: 'prop-negated', subject: { reference: patientOf(p.resources) }, clinicalStatus: { coding: [{ code: 'active' }] }, code: { text }, onsetDateTime: '2024-01-01' };
        expect(judge([...p.resources, extra]), `${p.name} + "${text}"`).toEqual(judge(p.resources));
      }),
      { numRuns: 120, seed: 8801 },
    );
  });

  it('a personal history, family history or screening code never changes a determination', () => {
    const history = fc.constantFrom(
      ['Z85.3', 'Personal history of malignant neoplasm of breast'],
      ['Z85.46', 'Personal history of malignant neoplasm of prostate'],
      ['Z86.010', 'Personal history of colonic polyps'],
      ['Z87.311', 'Personal history of (healed) other pathological fracture'],
      ['Z80.0', 'Family history of malignant neoplasm of digestive organs'],
      ['Z12.11', 'Encounter for screening for malignant neoplasm of colon'],
    );
    fc.assert(
      fc.property(persona, history, (p, [code, display]) => {
        const extra = {
          resourceType: 'Condition',
          id: 'prop-history',
          subject: { reference: patientOf(p.resources) },
          clinicalStatus: { coding: [{ code: 'active' }] },
          code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code, display }], text: display },
          onsetDateTime: '2020-01-01',
        };
        expect(judge([...p.resources, extra]), `${p.name} + ${code}`).toEqual(judge(p.resources));
      }),
      { numRuns: 120, seed: 8802 },
    );
  });

  it('the other side of a procedure, entered as its own Procedure on the same day, never changes a determination', () => {
    const withProcedures = personas.filter((p) => p.resources.some((r) => r.resourceType === 'Procedure' && r.status === 'completed'));
    fc.assert(
      fc.property(fc.constantFrom(...withProcedures), fc.nat(), (p, pick) => {
        const procs = p.resources.filter((r) => r.resourceType === 'Procedure' && r.status === 'completed');
        const original = procs[pick % procs.length]!;
        // The contralateral entry: same code and day, the other side, no outcome of its own.
        const { outcome: _outcome, note: _note, id, ...rest } = original as Record<string, unknown>;
        const twin = { ...rest, id: `${id}-contralateral`, bodySite: [{ text: 'right side' }] };
        expect(judge([...p.resources, twin]), `${p.name} + twin of ${String(id)}`).toEqual(judge(p.resources));
      }),
      { numRuns: 120, seed: 8803 },
    );
  });

  it('an earlier policy version never governs an order dated after it was retired, and each date gets the version in effect', () => {
    const versioned = loadLibraryFromDisk(join(REPO_ROOT, 'test/fixtures/policies/versions'));
    const acme = mutate(resourcesOf(loadPersona('met-medicare-27096-oh')), [
      { op: 'set', id: 'met27096oh-payer', path: 'name', value: 'Acme Health Plan' },
      { op: 'set', id: 'met27096oh-coverage', path: 'type', value: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] } },
      { op: 'set', id: 'met27096oh-coverage', path: 'payor', value: [{ reference: 'Organization/met27096oh-payer' }] },
      { op: 'set', id: 'met27096oh-coverage', path: 'period', value: { start: '2018-01-01' } },
    ]);
    const day = fc.integer({ min: 0, max: 365 * 6 }).map((n) => new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, (date) => {
        const resources = mutate(acme, [{ op: 'set', id: 'met27096oh-order-1', path: 'authoredOn', value: date }]);
        const [d] = determine(versioned, resources, { today: TODAY });
        const expected = date <= '2024-12-31' ? '1' : '2';
        expect(d!.policy.version, `order dated ${date}`).toBe(expected);
        if (date > '2024-12-31') expect(d!.outcome).not.toBe('not-medically-necessary');
      }),
      { numRuns: 150, seed: 8804 },
    );
  });
});
