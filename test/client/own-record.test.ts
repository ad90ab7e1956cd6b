// The SMART app keeps only the launch patient's resources, whatever the FHIR server returned.
import { describe, expect, it } from 'vitest';
import { ownRecord } from '../../client/own-record';
import type { fhir4 } from '../../client/fhir-types';
import { loadPersona, resourcesOf } from '../support/fixtures';

describe('the SMART app\'s record', () => {
  it('drops another patient\'s resources mixed into the searches and says how many, without naming them', () => {
    const mine = resourcesOf(loadPersona('seed000-neurectomy-aetna')) as unknown as fhir4.Resource[];
    const theirs = resourcesOf(loadPersona('met-aetna-27096')) as unknown as fhir4.Resource[];
    const patientId = mine.find((r) => r.resourceType === 'Patient')!.id!;
    const { resources, warnings } = ownRecord(patientId, [...mine, ...theirs.filter((r) => r.resourceType !== 'Organization')]);
    const ids = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
    for (const r of theirs.filter((x) => !['Organization', 'Practitioner', 'Location'].includes(x.resourceType))) expect(ids.has(`${r.resourceType}/${r.id}`)).toBe(false);
    for (const r of mine.filter((x) => x.resourceType !== 'Organization' && x.resourceType !== 'Practitioner' && x.resourceType !== 'Location')) expect(ids.has(`${r.resourceType}/${r.id}`)).toBe(true);
    expect(warnings.join(' ')).toMatch(/^\d+ resources the FHIR server returned belong to another patient/);
    for (const r of theirs) expect(warnings.join(' ')).not.toContain(r.id!);
  });

  it('gives no warning when the server returned only the patient\'s own record', () => {
    const mine = resourcesOf(loadPersona('seed000-neurectomy-aetna')) as unknown as fhir4.Resource[];
    const patientId = mine.find((r) => r.resourceType === 'Patient')!.id!;
    expect(ownRecord(patientId, mine).warnings).toEqual([]);
  });
});
