// Patient isolation: only the context patient's resources, and the shared resources they name.
import { describe, expect, it } from 'vitest';
import { isolatePatient, patientIdOf } from '../../criteria';

const cond = (id: string, subject: string) => ({ resourceType: 'Condition', id, subject: { reference: subject } });

describe('isolatePatient', () => {
  it('keeps the patient, their resources and the shared resources they reference; drops and counts the rest', () => {
    const resources = [
      { resourceType: 'Patient', id: 'p1' },
      { resourceType: 'Patient', id: 'p2' },
      cond('c1', 'Patient/p1'),
      cond('c2', 'Patient/p2'),
      cond('c3', 'https://ehr.example/fhir/Patient/p1'),
      { resourceType: 'Coverage', id: 'cov1', beneficiary: { reference: 'Patient/p1' }, payor: [{ reference: 'Organization/o1' }] },
      { resourceType: 'Coverage', id: 'cov2', beneficiary: { reference: 'Patient/p2' }, payor: [{ reference: 'Organization/o2' }] },
      { resourceType: 'Organization', id: 'o1' },
      { resourceType: 'Organization', id: 'o2' },
      { resourceType: 'Location', id: 'l1', managingOrganization: { reference: 'Organization/o3' } },
      { resourceType: 'Organization', id: 'o3' },
      { resourceType: 'ServiceRequest', id: 'sr1', subject: { reference: 'Patient/p1' }, locationReference: [{ reference: 'Location/l1' }] },
      { resourceType: 'Observation', id: 'orphan' },
      { resourceType: 'Observation', id: 'group', subject: { reference: 'Group/g1' } },
      null,
    ];
    const { resources: kept, counts } = isolatePatient(resources, 'p1');
    expect(kept.map((r) => `${r!.resourceType}/${r!.id}`).sort()).toEqual(
      ['Condition/c1', 'Condition/c3', 'Coverage/cov1', 'Location/l1', 'Organization/o1', 'Organization/o3', 'Patient/p1', 'ServiceRequest/sr1'].sort(),
    );
    expect(counts).toEqual({ kept: 8, foreign: 4, unattributed: 2, unreferenced: 1 });
  });

  it('reads patient ids from relative, absolute and versioned references only', () => {
    expect(patientIdOf('Patient/a-1')).toBe('a-1');
    expect(patientIdOf('http://x/fhir/Patient/a-1/_history/3')).toBe('a-1');
    expect(patientIdOf('Group/a-1')).toBeUndefined();
    expect(patientIdOf('Patient/a-1?x')).toBeUndefined();
    expect(patientIdOf(42)).toBeUndefined();
  });
});
