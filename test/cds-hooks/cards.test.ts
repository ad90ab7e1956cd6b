// buildCard and coverageInformation on hand-made determinations: pure, no HTTP.
import { describe, expect, it } from 'vitest';
import type { Determination, Outcome } from '../../criteria/model';
import { buildCard, summarize, toMedicalNecessityExtension } from '../../cds-hooks/cards';
import { assertionFor, coverageInformation, indeterminateAssertion } from '../../cds-hooks/coverage-information';
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
    kind: 'payer-policy' as const,
  };
  return {
    order: { reference: 'ServiceRequest/o1', resourceType: 'ServiceRequest', status: 'draft', code: { system: 'http://www.ama-assn.org/go/cpt', code: '64625', display: 'SIJ RFA' }, ruleKey: '64625' },
    code: { system: 'http://www.ama-assn.org/go/cpt', code: '64625' },
    outcome,
    summary: 'x',
    policy,
    policyChoice: { policy, reason: 'Medicare in KY', payerName: 'Medicare', state: 'KY' },
    reasons: ['RFA is not reasonable and necessary'],
    criteria: [{ id: 'c1', text: 'Pain ≥ 3 months', status: 'met', evidence: [], summary: '', citation: 'LCD', confidence: 'P', verified: true }],
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
      },
    ],
    advisories: [{ id: 'bmj', title: 'BMJ 2025', text: '', url: 'https://doi.org/10.1136/bmj-2024-079970', citation: '', confidence: 'P', verified: true, basis: '' }],
    notes: [],
    asOf: '2025-06-01',
    ...over,
  } as Determination;
}

const order = { resourceType: 'ServiceRequest' as const, id: 'o1', status: 'draft' as const, intent: 'order' as const, subject: { reference: 'Patient/p1' } };
const card = (d: Determination) => buildCard(d, { uuid: uuid(), newUuid: uuid, publicBaseUrl: 'http://localhost:8080', detail: 'md', order, patientId: 'p1' });

describe('buildCard', () => {
  it('when the payer is Medicare and 64625 is ordered, the card says not reasonable and necessary under the LCD', () => {
    const c = card(determination('not-medically-necessary'));
    expect(c.summary.startsWith('64625 not reasonable and necessary under Medicare LCD L39383')).toBe(true);
    expect(c.indicator).toBe('warning');
    expect(c.source).toMatchObject({ label: 'Medicare', url: expect.stringContaining('39383') });
    expectValid(cardProblems(c as any));
  });

  it('offers the alternative as one at-most-one suggestion that deletes the draft and creates the new ServiceRequest', () => {
    const c = card(determination('not-medically-necessary'));
    expect(c.selectionBehavior).toBe('at-most-one');
    expect(c.suggestions![0]!.actions.map((a) => a.type)).toEqual(['delete', 'create']);
    expect(c.suggestions![0]!.actions[0]!.resourceId).toBe('ServiceRequest/o1');
    expect((c.suggestions![0]!.actions[1]!.resource as any).code.coding[0].code).toBe('64451');
  });

  it('links the SMART app on this order and the policy and advisory pages', () => {
    const c = card(determination('criteria-not-met'));
    expect(c.links![0]).toEqual({ label: expect.any(String), url: 'http://localhost:8080/launch.html', type: 'smart', appContext: '{"order":"ServiceRequest/o1"}' });
    expect(c.links!.filter((l) => l.type === 'absolute').map((l) => l.url)).toEqual([
      'https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39383',
      'https://doi.org/10.1136/bmj-2024-079970',
    ]);
  });

  it('is info for documentation-needed and criteria-met, warning for criteria-not-met', () => {
    expect(card(determination('documentation-needed')).indicator).toBe('info');
    expect(card(determination('criteria-met')).indicator).toBe('info');
    expect(card(determination('criteria-not-met')).indicator).toBe('warning');
  });

  it('keeps the summary under 140 characters however long the names are', () => {
    const long = determination('documentation-needed', { missing: ['x'.repeat(300)] });
    expect(summarize(long).length).toBeLessThan(140);
    const longPolicy = determination('criteria-not-met');
    longPolicy.policy = { ...longPolicy.policy, id: 'a-very-long-policy-identifier-that-goes-on', shortName: 'y'.repeat(200) } as Determination['policy'];
    expect(summarize(longPolicy).length).toBeLessThan(140);
  });

  it('puts the determination at extension["medical-necessity"] with exactly the CLI --json fields', () => {
    const d = determination('criteria-not-met');
    expect(card(d).extension!['medical-necessity']).toEqual(toMedicalNecessityExtension(d));
    expect(Object.keys(toMedicalNecessityExtension(d))).toEqual(['order', 'code', 'outcome', 'policy', 'criteria']);
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

  it('maps technical trouble to covered=indeterminate with reason technical', () => {
    const action = coverageInformation({ order, assertion: indeterminateAssertion('timeout'), coverage: { display: 'none' }, date: '2025-06-01', assertionId: 'a1' });
    const ext = (action.resource as any).extension[0];
    expectValid(coverageInformationProblems(ext));
    expect(ext.extension.find((e: any) => e.url === 'reason').valueCodeableConcept.coding[0]).toMatchObject({
      system: 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp',
      code: 'technical',
    });
  });

  it('replaces a coverage-information extension the order already carried instead of adding a second', () => {
    const prior = { ...order, extension: [{ url: 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information', extension: [] }, { url: 'http://x', valueString: 'keep' }] };
    const action = coverageInformation({ order: prior, assertion: assertionFor(determination('criteria-met')), coverage: { reference: 'Coverage/c' }, date: '2025-06-01', assertionId: 'a1' });
    expect((action.resource as any).extension.map((e: any) => e.url)).toEqual(['http://x', 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information']);
  });
});
