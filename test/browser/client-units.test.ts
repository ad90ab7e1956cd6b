// Pure parts of the SMART app, without a browser: scope fallback and checking, and the timeline's
// reading of relief after a block.
import { describe, expect, it } from 'vitest';
import { canRead, canWrite, missingReads, scopesFor, toV1 } from '../../client/scopes';
import { buildTimeline } from '../../client/timeline';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { DEFAULT_SCOPE } from '../../client/config';
import type { fhir4 } from '../../client/fhir-types';

describe('scopes', () => {
  it('a server without permission-v2 gets v1 .read scopes; identity scopes pass through', () => {
    expect(toV1('launch openid fhirUser patient/Condition.rs patient/Observation.rs?category=vital-signs')).toBe(
      'launch openid fhirUser patient/Condition.read patient/Observation.read',
    );
  });

  it('standalone launch asks for launch/patient instead of launch', () => {
    const s = scopesFor(DEFAULT_SCOPE, { standalone: true, v2: true }).split(' ');
    expect(s).toContain('launch/patient');
    expect(s).not.toContain('launch');
    expect(scopesFor('patient/Patient.rs', { standalone: false, v2: true })).toBe('launch patient/Patient.rs');
  });

  it('reads v1, v2 and wildcard grants, and names what is missing', () => {
    expect(canRead('patient/*.read', 'Condition')).toBe(true);
    expect(canRead('patient/Condition.s', 'Condition')).toBe(true);
    expect(canRead('patient/Condition.c', 'Condition')).toBe(false);
    expect(missingReads('patient/Patient.rs patient/Condition.read', ['Patient', 'Condition', 'Procedure'])).toEqual(['Procedure']);
    expect(missingReads(undefined, ['Patient'])).toEqual([]);
  });

  it('asks to write documentation answers (v2 .cu, v1 .write) and reads what the grant allows', () => {
    expect(DEFAULT_SCOPE.split(' ')).toEqual(expect.arrayContaining(['patient/QuestionnaireResponse.rs', 'patient/QuestionnaireResponse.cu', 'patient/Observation.c']));
    expect(toV1(DEFAULT_SCOPE).split(' ')).toEqual(expect.arrayContaining(['patient/QuestionnaireResponse.read', 'patient/QuestionnaireResponse.write', 'patient/Observation.write']));
    expect(canWrite('patient/QuestionnaireResponse.cu', 'QuestionnaireResponse', 'c')).toBe(true);
    expect(canWrite('patient/QuestionnaireResponse.rs', 'QuestionnaireResponse', 'c')).toBe(false);
    expect(canWrite('patient/*.write', 'Observation', 'c')).toBe(true);
    expect(canWrite('patient/QuestionnaireResponse.c', 'QuestionnaireResponse', 'u')).toBe(false);
  });
});

describe('timeline', () => {
  it('places a block in the injection lane with its relief from a % Observation, pre/post scores or outcome text; one session per day', () => {
    const proc = (id: string, day: string, extra: object = {}): fhir4.Procedure =>
      ({ resourceType: 'Procedure', id, status: 'completed', subject: {}, code: { coding: [{ code: '64451' }] }, performedDateTime: `2025-${day}`, ...extra }) as fhir4.Procedure;
    const obs = (id: string, part: string, day: string, value: number, unit = '%', code = 'x', time = '09:00'): fhir4.Observation =>
      ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ code }], text: unit === '%' ? 'Percent pain relief after block' : undefined }, partOf: [{ reference: `Procedure/${part}` }], effectiveDateTime: `2025-${day}T${time}:00Z`, valueQuantity: { value, unit } }) as fhir4.Observation;
    const t = buildTimeline(loadLibraryFromDisk(), [
      proc('a', '01-10'),
      obs('a1', 'a', '01-10', 80),
      proc('b', '02-10'),
      obs('b1', 'b', '02-10', 8, '{score}', '72514-3', '08:00'),
      obs('b2', 'b', '02-10', 2, '{score}', '72514-3', '10:00'),
      proc('c', '03-10', { outcome: { text: '80-90% relief for 6 hours' } }),
      // The other side of the same block, entered separately: the same session, drawn once.
      proc('c-right', '03-10', { bodySite: [{ text: 'right' }] }),
    ]);
    const relief = Object.fromEntries(t.events.map((e) => [e.reference, e.relief]));
    expect(relief).toEqual({ 'Procedure/a': 80, 'Procedure/b': 75, 'Procedure/c': 80 });
    expect(t.events.every((e) => e.lane === 'injection')).toBe(true);
  });
});
