// The pure pieces the card and the CRD coverage information use to close the documentation loop
// (cds-hooks/dtr.ts): the questionnaire sub-extension beside doc-needed (CRD crd-ci-q1), and the
// "Complete documentation" SMART link with the DTR launch context.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { determine, questionnaireFor } from '../../criteria';
import { assertionFor, coverageInformation, COVERAGE_INFORMATION_URL } from '../../cds-hooks/coverage-information';
import { documentationLink, dtrBaseUrl, questionnaireCanonical, withQuestionnaire } from '../../cds-hooks/dtr';
import { loadLibraryFromDisk, REPO_ROOT } from '../../server/policy-files';

const lib = loadLibraryFromDisk();
const BASE = 'http://localhost:8080';
const resources = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'sandbox/patients/sandbox-documentation-needed.json'), 'utf8')) as { entry: { resource: Resource }[] }).entry.map((e) => e.resource);
const engine = { documentation: (d: Parameters<typeof questionnaireFor>[1]) => questionnaireFor(lib, d, { canonicalBase: dtrBaseUrl(BASE) }) };

describe('closing the loop from the card', () => {
  const [d] = determine(lib, resources, { today: '2026-12-01' });
  const order = resources.find((r) => r.resourceType === 'ServiceRequest')!;

  it('a documentation-needed determination names its questionnaire; CRD coverage information carries it beside doc-needed, before date', () => {
    const canonical = questionnaireCanonical(engine, d!)!;
    expect(canonical).toMatch(/^http:\/\/localhost:8080\/dtr\/Questionnaire\/sij-L39383-27096-[0-9a-f]+-[0-9a-f]{4}\|2023-03-19$/);
    const action = withQuestionnaire(coverageInformation({ order, assertion: assertionFor(d!), coverage: { reference: 'Coverage/sbxdocs-coverage' }, date: '2026-12-01', assertionId: 'u-1' }), canonical);
    const ext = (action.resource as { extension: { url: string; extension: { url: string; valueCode?: string; valueCanonical?: string }[] }[] }).extension.find((e) => e.url === COVERAGE_INFORMATION_URL)!;
    const urls = ext.extension.map((e) => e.url);
    expect(ext.extension.find((e) => e.url === 'doc-needed')?.valueCode).toBe('clinical');
    expect(ext.extension.find((e) => e.url === 'questionnaire')?.valueCanonical).toBe(canonical);
    expect(urls.indexOf('questionnaire')).toBe(urls.indexOf('date') - 1);
    // Added once, however often it is applied.
    expect(withQuestionnaire(action, canonical)).toEqual(action);
  });

  it('no questionnaire where there is no doc-needed (crd-ci-q1), and none for an outcome with nothing to document', () => {
    const met = { ...d!, outcome: 'criteria-met' as const };
    expect(questionnaireCanonical(engine, met)).toBeUndefined();
    const action = coverageInformation({ order, assertion: assertionFor(met), coverage: { reference: 'Coverage/sbxdocs-coverage' }, date: '2026-12-01', assertionId: 'u-2' });
    expect(withQuestionnaire(action, 'http://x/Questionnaire/sij-a|1')).toEqual(action);
  });

  it('"Complete documentation" launches the app with the DTR context: the order, the coverage and the questionnaire', () => {
    const canonical = questionnaireCanonical(engine, d!)!;
    const link = documentationLink(d!, { publicBaseUrl: BASE, canonical })!;
    expect(link).toMatchObject({ label: 'Complete documentation', type: 'smart', url: `${BASE}/launch.html` });
    expect(JSON.parse(link.appContext!)).toEqual({ order: 'ServiceRequest/sbxdocs-order-1', coverage: 'Coverage/sbxdocs-coverage', questionnaire: canonical });
    expect(JSON.parse(documentationLink(d!, { publicBaseUrl: BASE, response: 'QuestionnaireResponse/q1' })!.appContext!).response).toBe('QuestionnaireResponse/q1');
    expect(documentationLink({ ...d!, outcome: 'criteria-met' }, { publicBaseUrl: BASE, canonical })).toBeUndefined();
  });
});
