// Pure parts of the SMART app, without a browser: scope fallback and checking, the timeline's reading
// of relief after a block and its layout (nothing overlaps, at a phone's width or a desktop's), ages,
// orders in words, the letter model, and the hypothetical order.
import { describe, expect, it } from 'vitest';
import { canRead, canWrite, missingReads, scopesFor, toV1 } from '../../client/scopes';
import { buildTimeline } from '../../client/timeline';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { DEFAULT_SCOPE } from '../../client/config';
import type { fhir4 } from '../../client/fhir-types';
import { COMPACT_BELOW, layoutTimeline, overlaps } from '../../client/timeline-layout';
import { ageOn, orderInWords, unitsOf, withoutReferences } from '../../client/format';
import { buildLetter } from '../../client/letter';
import { CPT, HCPCS, choiceProblem, hypotheticalOrder, tryableCodes } from '../../client/hypothetical';
import { determine } from '../../criteria';
import { largePatientBundle } from '../../sandbox/large-patient';
import { loadPersona, resourcesOf } from '../support/fixtures';

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

describe('timeline layout', () => {
  const library = loadLibraryFromDisk();
  const records = {
    seed000: resourcesOf(loadPersona('seed000-neurectomy-aetna')),
    large: largePatientBundle().entry!.map((e) => e.resource!),
  };
  const order = { reference: 'ServiceRequest/x', authoredOn: '2025-11-17', label: 'this order' };

  for (const [name, resources] of Object.entries(records)) {
    for (const width of [358, 960]) {
      it(`${name} at ${width} px: no two markers of a lane touch, no label covers another label or a marker, everything inside the width`, () => {
        const layout = layoutTimeline(buildTimeline(library, resources, order), width)!;
        expect(layout.compact).toBe(width < COMPACT_BELOW);
        const marks = layout.marks.filter((m) => m.kind !== 'span');
        for (const lane of new Set(marks.map((m) => m.lane))) {
          const inLane = marks.filter((m) => m.lane === lane);
          for (const [i, a] of inLane.entries()) for (const b of inLane.slice(i + 1)) expect(overlaps(a.box, b.box), `${lane}: ${a.title} / ${b.title}`).toBe(false);
        }
        const labels = [...layout.labels, ...layout.ticks.map((t) => t.label), ...(layout.pain?.values ?? []), ...layout.lanes.map((l) => l.label)];
        for (const [i, a] of labels.entries()) {
          for (const b of labels.slice(i + 1)) expect(overlaps(a.box, b.box), `"${a.text}" / "${b.text}"`).toBe(false);
          for (const m of marks) expect(overlaps(a.box, m.box), `"${a.text}" / ${m.title}`).toBe(false);
          expect(a.box.x).toBeGreaterThanOrEqual(0);
          expect(a.box.x + a.box.w).toBeLessThanOrEqual(layout.width);
        }
        for (const m of marks) expect(m.box.x + m.box.w).toBeLessThanOrEqual(layout.width);
      });
    }
  }

  it('the pain row has a 0–10 scale and writes each score by its dot where it fits', () => {
    const layout = layoutTimeline(buildTimeline(library, records.seed000, order), 960)!;
    expect(layout.pain!.scale.map((s) => s.label.text)).toEqual(['0', '5', '10']);
    const scores = layout.pain!.points.map((p) => String(p.score));
    expect(layout.pain!.values.length).toBeGreaterThan(0);
    expect(layout.pain!.values.every((v) => scores.includes(v.text))).toBe(true);
    // 10 sits above 0.
    expect(layout.pain!.scale[2]!.y).toBeLessThan(layout.pain!.scale[0]!.y);
  });

  it('a run of weekly therapy sessions becomes counted markers, their counts adding up to the sessions', () => {
    const data = buildTimeline(library, records.large, order);
    const sessions = data.events.filter((e) => e.lane === 'conservative' && !e.end).length;
    const layout = layoutTimeline(data, 358)!;
    const drawn = layout.marks.filter((m) => m.lane === 'conservative' && m.kind !== 'span');
    expect(drawn.some((m) => m.kind === 'cluster')).toBe(true);
    expect(drawn.reduce((n, m) => n + m.events.length, 0)).toBe(sessions);
  });
});

describe('age, references and orders in words', () => {
  it('ageOn reads both dates as calendar dates: the day before a birthday is still the younger age', () => {
    expect(ageOn('1971-04-22', '2025-04-21')).toBe('53 y');
    expect(ageOn('1971-04-22', '2025-04-22')).toBe('54 y');
    expect(ageOn('1971', '2025-01-01')).toBe('54 y');
    expect(ageOn(undefined, '2025-01-01')).toBe('');
  });

  it('withoutReferences drops a parenthesised reference and names a bare one', () => {
    expect(withoutReferences('Aetna coverage (Coverage/seed000-coverage) is governed by CPB 0016')).toBe('Aetna coverage is governed by CPB 0016');
    expect(withoutReferences('Condition/abc is coded M54.5')).toBe('a diagnosis in the record is coded M54.5');
  });

  it('an unlisted code is named by its reading, a listed one by its title', () => {
    const ref = { code: { system: 'http://www.ama-assn.org/go/cpt', code: '64999', display: 'Unlisted procedure, nervous system' }, ruleKey: '64999:neurectomy', reading: 'unlisted nervous-system procedure read as an endoscopic neurectomy' };
    expect(orderInWords(ref)).toBe('CPT 64999 · unlisted nervous-system procedure read as an endoscopic neurectomy');
    expect(orderInWords({ code: { system: 'http://www.ama-assn.org/go/cpt', code: '64772', display: 'Transection' }, ruleKey: '64772', reading: 'neurectomy' })).toBe('CPT 64772 · Transection');
    expect(unitsOf(6)).toBe('6 units');
    expect(unitsOf(1)).toBeUndefined();
  });
});

describe('the letter model', () => {
  const library = loadLibraryFromDisk();
  const resources = resourcesOf(loadPersona('seed000-neurectomy-aetna')) as fhir4.Resource[];
  const patient = resources.find((r) => r.resourceType === 'Patient') as fhir4.Patient;
  const determinations = determine(library, resources, { today: '2026-01-10' }).filter((d) => d.order.reference === 'ServiceRequest/seed000-order-1');
  const config = { organisation: 'Org', address: ['1 Street'], contact: { phone: '555' }, appeal: 'Appeal to {payer}; call {phone}.', reviewer: { name: 'R. Viewer', credentials: 'DO' } };

  it('is addressed to the requester, signed by the configured reviewer when no user is known, and fills the appeal placeholders', () => {
    const letter = buildLetter({ determinations, patient, resources, fhirBase: 'https://ehr.example/fhir', today: '2026-01-10', config })!;
    expect(letter.addressee.name).toBe('Dr. Oren Testwell');
    expect(letter.reviewer).toMatchObject({ name: 'R. Viewer', credentials: 'DO' });
    expect(letter.appeal).toEqual(['Appeal to Aetna; call 555.']);
    expect(letter.patient).toMatchObject({ memberId: 'AET-SYN-000001', payer: 'Aetna', age: '54 y' });
  });

  it('a hypothetical letter has no appeal, and says so', () => {
    const letter = buildLetter({ determinations, patient, resources, fhirBase: 'x', today: '2026-01-10', config, hypothetical: true })!;
    expect(letter.hypothetical).toBe(true);
    expect(letter.appeal).toEqual([]);
  });

  it('every reason once; findings that are reasons are not repeated; their entries ride with the reason', () => {
    const [order] = buildLetter({ determinations, patient, resources, fhirBase: 'x', today: '2026-01-10', config })!.orders;
    const texts = order!.reasons.map((r) => r.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(order!.otherFindings).toEqual([]);
    expect(order!.reasons.filter((r) => r.evidence.length > 0).length).toBe(determinations[0]!.findings.filter((f) => f.evidence.length > 0).length);
  });
});

describe('a hypothetical order', () => {
  const library = loadLibraryFromDisk();
  const codes = tryableCodes(library);

  it('offers the ServiceRequest codes of the library, each in its code system; 64999 needs words', () => {
    expect(codes.map((c) => c.code).sort()).toEqual(['27096', '64451', '64625', '64772', '64999', 'G0260']);
    expect(codes.find((c) => c.code === 'G0260')!.system).toBe(HCPCS);
    expect(codes.find((c) => c.code === '27096')!.system).toBe(CPT);
    expect(codes.filter((c) => c.needsDescription).map((c) => c.code)).toEqual(['64999']);
  });

  it('is a draft for the patient, dated today, with only the user’s words; a bad choice is refused in words', () => {
    const c64999 = codes.find((c) => c.code === '64999')!;
    expect(choiceProblem({ code: c64999 }, '2026-01-10')).toMatch(/unlisted code: describe the procedure/);
    expect(choiceProblem({ code: c64999, description: 'ganglion impar block', dateOfService: '2026-13-45' }, '2026-01-10')).toMatch(/must be a date/);
    const order = hypotheticalOrder('p1', { code: c64999, description: 'ganglion impar block' }, '2026-01-10');
    expect(order).toMatchObject({ resourceType: 'ServiceRequest', status: 'draft', subject: { reference: 'Patient/p1' }, authoredOn: '2026-01-10', code: { text: 'ganglion impar block' } });
    expect(order.note).toBeUndefined();
    const [d] = determine(library, [{ resourceType: 'Patient', id: 'p1' }], { orders: [order], today: '2026-01-10' });
    expect(d!.order.ruleKey).toBe('64999:coccygeal');
  });
});
