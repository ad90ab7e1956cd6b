// Patient isolation: only the context patient's resources, and the shared resources they name.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isolatePatient, ownersOf, patientIdOf, SHARED_TYPES, type Isolated, type IsolationCounts } from '../../criteria';

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

/**
 * isolatePatient as it was before it looked only for the shared resources at hand and stopped once
 * each was found: every reference of every kept resource collected by an Object.entries walk. The
 * reference the faster walk must agree with, on any input.
 */
function isolateByFullWalk<T>(resources: readonly T[], patientId: string): Isolated<T> {
  const referencesIn = (value: unknown, out: Set<string>, depth = 0): void => {
    if (depth > 24 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) referencesIn(v, out, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'reference' && typeof v === 'string') {
        const m = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(v);
        if (m) out.add(`${m[1]}/${m[2]}`);
      } else if (typeof v === 'object') referencesIn(v, out, depth + 1);
    }
  };
  const keyOf = (r: Record<string, unknown>): string => `${String(r.resourceType)}/${String(r.id)}`;
  const counts: IsolationCounts = { kept: 0, foreign: 0, unattributed: 0, unreferenced: 0 };
  const own: T[] = [];
  const shared: T[] = [];
  for (const res of resources) {
    if (!res || typeof res !== 'object' || typeof (res as { resourceType?: unknown }).resourceType !== 'string') {
      counts.unattributed++;
      continue;
    }
    const r = res as Record<string, unknown>;
    if (SHARED_TYPES.has(r.resourceType as string)) {
      shared.push(res);
      continue;
    }
    const owners = ownersOf(r);
    if (owners.length === 0) counts.unattributed++;
    else if (owners.every((o) => o === patientId)) own.push(res);
    else counts.foreign++;
  }
  const referenced = new Set<string>();
  for (const r of own) referencesIn(r, referenced);
  const keptShared: T[] = [];
  let pending = shared;
  for (let grew = true; grew && pending.length > 0; ) {
    grew = false;
    const rest: T[] = [];
    for (const s of pending) {
      if (referenced.has(keyOf(s as Record<string, unknown>))) {
        keptShared.push(s);
        referencesIn(s, referenced);
        grew = true;
      } else rest.push(s);
    }
    pending = rest;
  }
  counts.unreferenced = pending.length;
  const kept = [...own, ...keptShared];
  counts.kept = kept.length;
  return { resources: kept, counts };
}

describe('isolatePatient keeps exactly what a walk of every reference keeps', () => {
  const sharedTypes = [...SHARED_TYPES];
  const sharedIds = ['o1', 'o2', 'l1', 'a-1.b', '5'];
  const key = fc.tuple(fc.constantFrom(...sharedTypes, 'Patient', 'Group', 'Condition'), fc.constantFrom(...sharedIds, 'p1', 'p2'));
  // References spelled every way a record spells them, and ways it should not.
  const reference = fc.oneof(
    { weight: 4, arbitrary: key.map(([t, id]) => `${t}/${id}`) },
    { weight: 2, arbitrary: key.map(([t, id]) => `https://ehr.example/fhir/${t}/${id}`) },
    { weight: 2, arbitrary: fc.tuple(key, fc.nat(9)).map(([[t, id], v]) => `${t}/${id}/_history/${v}`) },
    { weight: 1, arbitrary: key.map(([t, id]) => `${t}/${id}?_format=json`) },
    { weight: 1, arbitrary: fc.constantFrom('Organization/', 'organization/o1', 'Organization/o1/', '#contained', ' Organization/o1', 'Organization/undefined', 'Organization/5', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const refValue = fc.oneof({ weight: 8, arbitrary: fc.record({ reference }) }, { weight: 1, arbitrary: fc.constantFrom(null, 42, 'Organization/o1', [], {}, { reference: 7 }) });
  // Nested anywhere: extensions, contained resources, arrays of arrays.
  const nested: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      refValue,
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('extension', 'valueReference', 'contained', 'item', 'reference', 'display'), tie('node'), { maxKeys: 3 }),
      fc.constantFrom('text', 7, true, null),
    ),
  })).node;
  // Around the walk's depth bound: a reference 20 to 30 levels down.
  const deep = fc.tuple(fc.integer({ min: 20, max: 30 }), reference).map(([n, ref]) => {
    let v: unknown = { reference: ref };
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { extension: v };
    return v;
  });
  const owner = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom({ reference: 'Patient/p1' }, { reference: 'https://ehr.example/fhir/Patient/p1' }, { reference: 'Patient/p1/_history/2' }) },
    { weight: 1, arbitrary: refValue },
  );
  const clinical = fc.record(
    {
      resourceType: fc.constantFrom('Condition', 'Coverage', 'Observation', 'Procedure', 'ServiceRequest'),
      id: fc.constantFrom('c1', 'c2', 'c3'),
      subject: owner,
      beneficiary: fc.oneof(owner, fc.array(owner, { maxLength: 2 })),
      performer: fc.array(refValue, { maxLength: 3 }),
      extension: nested,
      deep,
    },
    { requiredKeys: ['resourceType', 'subject'] },
  );
  const shared = fc.record(
    {
      resourceType: fc.constantFrom(...sharedTypes),
      id: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...sharedIds) }, { weight: 1, arbitrary: fc.constantFrom(undefined, 5) }),
      partOf: refValue,
      managingOrganization: refValue,
      extension: nested,
      deep,
    },
    { requiredKeys: ['resourceType', 'id'] },
  );
  const record = fc.array(
    fc.oneof(
      { weight: 6, arbitrary: clinical },
      { weight: 6, arbitrary: shared },
      { weight: 1, arbitrary: fc.constantFrom({ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patient', id: 'p2' }, null, 'Patient/p1', [], 3) },
    ),
    { maxLength: 20 },
  );

  it('on random records with tricky references, nesting at the depth bound, cycles and duplicates', () => {
    fc.assert(
      fc.property(record, fc.constantFrom('p1', 'p2'), (resources, patientId) => {
        const fast = isolatePatient(resources, patientId);
        const full = isolateByFullWalk(resources, patientId);
        expect(fast.counts).toEqual(full.counts);
        expect(fast.resources.length).toBe(full.resources.length);
        fast.resources.forEach((r, i) => expect(r).toBe(full.resources[i]));
      }),
      { numRuns: 4000, seed: 1101 },
    );
  });

  it('on chains of shared resources, listed in any order', () => {
    // Patient → Coverage → Organization s0 → Location s1 → Organization s2 …
    const chain = (n: number) => [
      { resourceType: 'Patient', id: 'p1' },
      { resourceType: 'Coverage', id: 'c', beneficiary: { reference: 'Patient/p1' }, payor: [{ reference: 'Organization/s0' }] },
      ...Array.from({ length: n }, (_, i) => ({ resourceType: i % 2 ? 'Location' : 'Organization', id: `s${i}`, partOf: { reference: `${i % 2 ? 'Organization' : 'Location'}/s${i + 1}` } })),
      { resourceType: 'Practitioner', id: 'unreferenced' },
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }).chain((n) => fc.shuffledSubarray(chain(n), { minLength: n + 3 })), (resources) => {
        const fast = isolatePatient(resources, 'p1');
        const full = isolateByFullWalk(resources, 'p1');
        expect(fast.counts).toEqual(full.counts);
        fast.resources.forEach((r, i) => expect(r).toBe(full.resources[i]));
      }),
      { numRuns: 500, seed: 1102 },
    );
  });
});
