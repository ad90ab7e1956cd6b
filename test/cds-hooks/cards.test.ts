// buildCard and coverageInformation on hand-made determinations: pure, no HTTP.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Determination, Outcome } from '../../criteria/model';
import { buildCard, compact, toMedicalNecessityExtension } from '../../cds-hooks/cards';
import { assertionFor, coverageInformation, payerCoverage } from '../../cds-hooks/coverage-information';
import { emptyValues } from './contract';
import { cardProblems, coverageInformationProblems, expectValid } from './contract';

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function determination(outcome: Outcome, over: Partial<Determination> = {}): Determination {
  const policy = {
    id: 'L39383',
    title: 'Sacroiliac Joint Injections and Procedures',
    shortName: 'Medicare LCD',
    publisher: 'CMS (CGS)',
    version: '2023-03-19',
    effective: '2023-03-19',
    url: 'https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39383',
    rationale: 'docs/clinical/medicare-lcd-sij.md',
    kind: 'payer-policy' as const,
  };
  return {
    order: { reference: 'ServiceRequest/o1', resourceType: 'ServiceRequest', status: 'draft', code: { system: 'http://www.ama-assn.org/go/cpt', code: '64625', display: 'SIJ RFA' }, ruleKey: '64625' },
    code: { system: 'http://www.ama-assn.org/go/cpt', code: '64625' },
    outcome,
    summary: '64625 not reasonable and necessary under Medicare LCD L39383',
    policy,
    policyChoice: { policy, reason: 'Medicare in KY', payerName: 'Medicare', state: 'KY' },
    coverage: { reference: 'Coverage/c1', payerName: 'Medicare', planKind: 'medicare', memberId: '1EG4' },
    flags: [],
    reasons: ['RFA is not reasonable and necessary'],
    criteria: [{ id: 'c1', text: 'Pain ≥ 3 months', status: 'met', evidence: [{ reference: 'Condition/c1', resourceType: 'Condition', date: '2024-11-02', path: 'Condition.onset' }], summary: 'onset 2024-11-02', citation: 'LCD', confidence: 'P', verified: true }],
    findings: [],
    missing: outcome === 'documentation-needed' ? ['three positive provocative manoeuvres'] : [],
    alternatives: [
      {
        id: 'lbb',
        text: 'Dual diagnostic lateral branch blocks',
        citation: 's',
        confidence: 'S',
        verified: true,
        action: { kind: 'replace-order', code: { system: 'http://www.ama-assn.org/go/cpt', code: '64451', display: 'SIJ nerve block' }, resourceType: 'ServiceRequest' },
        actionable: true,
      },
    ],
    advisories: [{ id: 'bmj', title: 'BMJ 2025', text: '', url: 'https://doi.org/10.1136/bmj-2024-079970', citation: '', confidence: 'P', verified: true, basis: '' }],
    notes: [],
    asOf: '2025-06-01',
    dateOfService: '2025-06-01',
    ...over,
  } as Determination;
}

const order = { resourceType: 'ServiceRequest' as const, id: 'o1', status: 'draft' as const, intent: 'order' as const, subject: { reference: 'Patient/p1' } };
const card = (d: Determination) => buildCard(d, { uuid: uuid(), newUuid: uuid, publicBaseUrl: 'http://localhost:8080', detail: 'md', order, patientId: 'p1' });

describe('buildCard', () => {
  it('uses the determination\'s own summary, and names the payer as its source only when the payer\'s policy governs', () => {
    const d = determination('not-medically-necessary');
    const c = card(d);
    expect(c.summary).toBe(d.summary);
    expect(c.indicator).toBe('warning');
    expect(c.source).toMatchObject({ label: 'CMS (CGS)', url: expect.stringContaining('39383'), topic: { code: 'coverage-info' } });
    expect(c.source.label).not.toMatch(/pathway/);
    expectValid(cardProblems(c as any));
  });

  it('under the evidence pathway the source is the product\'s pathway, saying no payer policy was found, linked to its page', () => {
    const pathway = { ...determination('criteria-not-met').policy, id: 'evidence-pathway', kind: 'clinical-pathway' as const, publisher: 'This product', rationale: 'docs/clinical/evidence-pathway.md' };
    const c = card(determination('criteria-not-met', { policy: pathway }));
    expect(c.source).toEqual({
      label: 'SIJ medical-necessity evidence pathway (no payer policy found)',
      url: 'http://localhost:8080/docs/clinical/evidence-pathway.md',
      topic: { system: 'http://terminology.hl7.org/CodeSystem/cdshooks-card-type', code: 'guideline', display: 'Guideline' },
    });
    expect(c.links!.map((l) => l.url)).not.toContain(pathway.url);
  });

  it('offers an alternative the engine stands behind as one at-most-one suggestion that deletes the draft and creates the new ServiceRequest', () => {
    const c = card(determination('not-medically-necessary'));
    expect(c.selectionBehavior).toBe('at-most-one');
    expect(c.suggestions![0]!.actions.map((a) => a.type)).toEqual(['delete', 'create']);
    expect(c.suggestions![0]!.actions[0]!.resourceId).toBe('ServiceRequest/o1');
    expect((c.suggestions![0]!.actions[1]!.resource as any).code.coding[0].code).toBe('64451');
  });

  it('offers no suggestion for an alternative the same engine judged not medically necessary', () => {
    const d = determination('not-medically-necessary');
    d.alternatives = d.alternatives.map((a) => ({ ...a, actionable: false, assessment: { outcome: 'not-medically-necessary', summary: '64451 not medically necessary', policy: 'X', policyKind: 'payer-policy' } }));
    const c = card(d);
    expect(c.suggestions).toBeUndefined();
    expect(c.selectionBehavior).toBeUndefined();
  });

  it('links the SMART app on this order, the policy, the product\'s page on it and the advisory pages', () => {
    const c = card(determination('criteria-not-met'));
    expect(c.links![0]).toEqual({ label: expect.any(String), url: 'http://localhost:8080/launch.html', type: 'smart', appContext: '{"order":"ServiceRequest/o1"}' });
    expect(c.links!.filter((l) => l.type === 'absolute').map((l) => l.url)).toEqual([
      'https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39383',
      'http://localhost:8080/docs/clinical/medicare-lcd-sij.md',
      'https://doi.org/10.1136/bmj-2024-079970',
    ]);
  });

  it('is already compact as a whole, with the extension compacted on its own and last among its keys', () => {
    const base = determination('documentation-needed');
    const sparse = {
      ...base,
      summary: '',
      coverage: undefined,
      criteria: [...base.criteria, { id: 'c2', text: '', status: 'unknown', evidence: [], summary: '', citation: 'LCD', confidence: 'P', verified: true }],
    } as unknown as Determination;
    for (const d of [base, sparse, determination('criteria-met'), determination('not-medically-necessary')]) {
      const c = card(d);
      const text = JSON.stringify(c);
      expect(JSON.stringify(compact(JSON.parse(text)))).toBe(text);
      expect(Object.keys(c).at(-1)).toBe('extension');
      expect(Object.keys(c.extension!)).toEqual(['medical-necessity', 'davinci-crd.associated-resource']);
    }
    expect(card(sparse).summary).toBeUndefined();
  });

  it('is info for documentation-needed and criteria-met, warning for criteria-not-met, critical only for a safety advisory', () => {
    expect(card(determination('documentation-needed')).indicator).toBe('info');
    expect(card(determination('criteria-met')).indicator).toBe('info');
    expect(card(determination('criteria-not-met')).indicator).toBe('warning');
    const pregnant = determination('criteria-met');
    pregnant.advisories = [{ ...pregnant.advisories[0]!, id: 'pregnancy', safety: true }];
    expect(card(pregnant).indicator).toBe('critical');
  });

  it('offers override reasons only where there is advice to override', () => {
    expect(card(determination('criteria-met')).overrideReasons).toBeUndefined();
    expect(card(determination('criteria-not-met')).overrideReasons!.length).toBeGreaterThan(0);
  });

  it('puts the determination at extension["medical-necessity"] with the CLI --json fields, and nothing null or empty anywhere', () => {
    const base = determination('criteria-not-met');
    const d = { ...base, criteria: [...base.criteria, { id: 'c2', text: 'Three positive manoeuvres', status: 'not-met', evidence: [], summary: '', citation: 'LCD', confidence: 'P', verified: true }] } as Determination;
    const c = card(d);
    expect(c.extension!['medical-necessity']).toEqual(toMedicalNecessityExtension(d));
    expect(Object.keys(toMedicalNecessityExtension(d))).toEqual(['order', 'code', 'outcome', 'policy', 'coverage', 'criteria']);
    expect((toMedicalNecessityExtension(d).criteria[1] as any).evidence).toBeUndefined(); // it was []
    expect(emptyValues(c)).toEqual([]);
  });

  it('compact drops nulls, empty strings, arrays and objects, and keeps false and 0', () => {
    expect(compact({ a: null, b: '', c: [], d: {}, e: [null, ''], f: false, g: 0, h: { i: [] } })).toEqual({ f: false, g: 0 });
  });

  it('compact leaves its input as it was, and hands back what has nothing to drop as it is', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (json) => {
        const value: unknown = JSON.parse(json);
        const compacted = compact(value);
        expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(json)));
        if (compacted && typeof compacted === 'object' && Object.keys(compacted).length) expect(compact(compacted)).toBe(compacted);
      }),
      { numRuns: 1000, seed: 1107 },
    );
    const clean = { a: [1, { b: 'x' }], c: { d: false } };
    expect(compact(clean)).toBe(clean);
    const dirty = { a: [1, { b: 'x' }], c: { d: false, e: null } };
    const out = compact(dirty);
    expect(out).toEqual({ a: [1, { b: 'x' }], c: { d: false } });
    expect(out.a).toBe(dirty.a); // the clean part is not copied
    expect(dirty.c.e).toBeNull(); // the input is not changed
  });

  it('compact gives what the entries-and-fromEntries walk gave, on any JSON, a __proto__ key included', () => {
    // The walk compact used to be: the reference for its text and for its keys.
    const byEntries = (value: unknown): unknown => {
      const walk = (v: unknown): unknown => {
        if (Array.isArray(v)) {
          const items = v.map(walk).filter((x) => x !== undefined);
          return items.length ? items : undefined;
        }
        if (v && typeof v === 'object') {
          const entries = Object.entries(v as Record<string, unknown>)
            .map(([k, x]) => [k, walk(x)] as const)
            .filter(([, x]) => x !== undefined);
          return entries.length ? Object.fromEntries(entries) : undefined;
        }
        return v === null || v === '' ? undefined : v;
      };
      return walk(value) ?? {};
    };
    const keys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(keys) : v && typeof v === 'object' ? [Object.getPrototypeOf(v) === Object.prototype, Object.entries(v).map(([k, x]) => [k, keys(x)])] : v;
    const tricky = fc.constantFrom('{"__proto__":{"a":1}}', '{"__proto__":null,"b":""}', '{"2":"x","1":"","a":[null,{}]}', '[[],[[]],{"":""}]');
    fc.assert(
      fc.property(fc.oneof(fc.json({ depthSize: 'medium' }), tricky), (json) => {
        const value: unknown = JSON.parse(json);
        expect(JSON.stringify(compact(value))).toBe(JSON.stringify(byEntries(value)));
        expect(keys(compact(value))).toEqual(keys(byEntries(value)));
      }),
      { numRuns: 2000, seed: 1106 },
    );
  });
});

describe('coverageInformation (CRD)', () => {
  const cases: [Outcome, string, string | undefined, string | undefined][] = [
    ['not-medically-necessary', 'not-covered', undefined, undefined],
    ['criteria-not-met', 'not-covered', undefined, 'clinical'],
    ['documentation-needed', 'conditional', 'auth-needed', 'clinical'],
    ['criteria-met', 'covered', 'auth-needed', undefined],
  ];
  for (const [outcome, covered, pa, doc] of cases) {
    it(`maps ${outcome} to covered=${covered}${pa ? `, pa-needed=${pa}` : ''}${doc ? `, doc-needed=${doc}` : ''}, meeting the IG invariants`, () => {
      const action = coverageInformation({ order, assertion: assertionFor(determination(outcome)), coverage: { reference: 'Coverage/c' }, date: '2025-06-01', assertionId: 'a1' });
      const ext = (action.resource as any).extension[0];
      const get = (url: string) => ext.extension.find((e: any) => e.url === url)?.valueCode;
      expect([get('covered'), get('pa-needed'), get('doc-needed')]).toEqual([covered, pa, doc]);
      expectValid(coverageInformationProblems(ext));
    });
  }

  it('speaks for the payer only under the payer\'s own policy and about the Coverage the determination used', () => {
    expect(payerCoverage(determination('criteria-met'))).toEqual({ reference: 'Coverage/c1' });
    expect(payerCoverage(determination('criteria-met', { coverage: undefined }))).toBeUndefined();
    const pathway = { ...determination('criteria-met').policy, kind: 'clinical-pathway' as const };
    expect(payerCoverage(determination('criteria-met', { policy: pathway }))).toBeUndefined();
  });

  it('replaces a coverage-information extension the order already carried instead of adding a second', () => {
    const prior = { ...order, extension: [{ url: 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information', extension: [] }, { url: 'http://x', valueString: 'keep' }] };
    const action = coverageInformation({ order: prior, assertion: assertionFor(determination('criteria-met')), coverage: { reference: 'Coverage/c' }, date: '2025-06-01', assertionId: 'a1' });
    expect((action.resource as any).extension.map((e: any) => e.url)).toEqual(['http://x', 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information']);
  });
});
