// A record coded only in SNOMED CT (as the public Synthea sandboxes are) must get the same
// determination as its ICD-10-CM original.
import { describe, expect, it } from 'vitest';
import { determine, type Determination } from '../../criteria';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadPersona, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
const shape = (d: Determination) => ({
  code: d.order.code.code,
  outcome: d.outcome,
  policy: d.policy.id,
  criteria: d.criteria.map((c) => [c.id, c.status, c.evidence.length]),
  findings: d.findings.map((f) => f.id),
  advisories: d.advisories.map((a) => a.id),
  alternatives: d.alternatives.map((a) => a.id),
  missing: d.missing,
});

describe('SNOMED-only twin', () => {
  it('seed 002 coded only in SNOMED CT gets the same determination as the ICD-10-CM original', () => {
    const icd = determine(library, resourcesOf(loadPersona('seed002-rfa-medicare-tx')));
    const snomed = determine(library, resourcesOf(loadPersona('seed002-rfa-medicare-tx-snomed')));
    expect(icd.length).toBe(2);
    expect(snomed.map(shape)).toEqual(icd.map(shape));
    const codes = resourcesOf(loadPersona('seed002-rfa-medicare-tx-snomed'))
      .filter((r) => r.resourceType === 'Condition')
      .flatMap((r) => ((r.code as { coding?: { system: string }[] })?.coding ?? []).map((c) => c.system));
    expect(codes.every((s) => s === 'http://snomed.info/sct')).toBe(true);
  });
});
