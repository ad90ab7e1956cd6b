// The documentation loop over real HTTP, against exactly what `npm start` composes (server/compose.ts):
// the DTR $questionnaire-package answer checked against the required elements of the DTR 2.1 output
// profiles; a QuestionnaireResponse written to the sandbox FHIR server under a SMART write scope and
// read as evidence by the next order-sign; and an EHR that refuses the service QuestionnaireResponses
// (the optional prefetch key) leaving the record read as before, not indeterminate.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { determine, questionnaireFor, finalResponse } from '../../criteria';
import { DTR } from '../../criteria/dtr-profiles';
import { resolvePrefetch } from '../../cds-hooks/resolve-prefetch';
import { FetchBudget, DEFAULT_FETCH_LIMITS } from '../../cds-hooks/fhir-fetch';
import { CDS_SCOPE } from '../../sandbox/ehr-api';
import { loadLibraryFromDisk, REPO_ROOT } from '../../server/policy-files';
import { startServer, type TestServer } from '../browser/harness';
import { cdsResponseProblems, expectValid } from './contract';

type Json = Record<string, any>;
let server: TestServer;
const lib = loadLibraryFromDisk();

beforeAll(async () => {
  server = await startServer({ distDir: mkdtempSync(path.join(os.tmpdir(), 'sij-nodist-')) });
}, 120_000);
afterAll(async () => server?.close());

/** The form the sandbox persona's documentation-needed determination asks for, as the service builds it. */
function documentationForm() {
  const bundle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'sandbox/patients/sandbox-documentation-needed.json'), 'utf8')) as Json;
  const [d] = determine(lib, bundle.entry.map((e: Json) => e.resource), { today: new Date().toISOString().slice(0, 10) });
  return questionnaireFor(lib, d!, { canonicalBase: `${server.base}/dtr` })!;
}

const fhir = (p: string) => `${server.composed.sandbox!.fhirBase}/${p}`;
async function read(p: string, token?: string): Promise<Json> {
  const res = await fetch(fhir(p), { headers: { accept: 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  expect(res.status, p).toBe(200);
  return (await res.json()) as Json;
}
const pkg = (body: unknown) =>
  fetch(`${server.base}/dtr/Questionnaire/$questionnaire-package`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));

/** Each required element of DTR 2.1's output Parameters, package Bundle and QuestionnaireResponse (the FSH of the published IG). */
function checkPackage(out: Json): void {
  expect(out.resourceType).toBe('Parameters');
  expect(out.meta.profile).toContain(DTR.outputParameters);
  expect(out.parameter.length).toBeGreaterThanOrEqual(1); // parameter 1..*
  for (const p of out.parameter) {
    expect(typeof p.name).toBe('string');
    // inv-1: one and only one of value[x], resource, part.
    expect(Object.keys(p).filter((k) => k.startsWith('value') || k === 'resource' || k === 'part')).toHaveLength(1);
    expect(['PackageBundle', 'operationOutcome']).toContain(p.name);
    if (p.name === 'operationOutcome') expect(p.resource.resourceType).toBe('OperationOutcome');
  }
  const bundles = out.parameter.filter((p: Json) => p.name === 'PackageBundle').map((p: Json) => p.resource);
  for (const b of bundles) {
    expect(b.resourceType).toBe('Bundle');
    expect(b.type).toBe('collection');
    expect(b.entry.length).toBeGreaterThanOrEqual(1);
    expect(b.entry[0].resource.resourceType).toBe('Questionnaire'); // dtrb-1
    const types = b.entry.map((e: Json) => e.resource.resourceType);
    expect(types.filter((t: string) => t === 'Questionnaire')).toHaveLength(1); // questionnaire 1..1
    expect(types.filter((t: string) => t === 'QuestionnaireResponse').length).toBeLessThanOrEqual(1); // questionnaireResponse 0..1
    expect(types.every((t: string) => ['Questionnaire', 'QuestionnaireResponse', 'ValueSet', 'Library'].includes(t))).toBe(true); // closed slicing
    const q = b.entry[0].resource;
    expect(q.meta.profile).toContain(DTR.stdQuestionnaire);
    expect(q.subjectType).toEqual(['Patient']); // dtr-std-questionnaire: subjectType 1..1 = Patient
    expect(q.text.div).toMatch(/^<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">/); // text 1..1
    expect(q.url && q.version).toBeTruthy();
    const qr = b.entry.find((e: Json) => e.resource.resourceType === 'QuestionnaireResponse')?.resource;
    if (qr) {
      expect(qr.questionnaire).toBe(`${q.url}|${q.version}`); // questionnaire 1..1, version-specific
      expect(qr.subject.reference).toMatch(/^Patient\//); // subject 1..1
      expect(qr.item.length).toBeGreaterThanOrEqual(1); // item 1..*
      const ctx = qr.extension.filter((e: Json) => e.url === DTR.context).map((e: Json) => e.valueReference.reference);
      expect(ctx.length).toBeGreaterThanOrEqual(2); // qr-context 2..*: a Coverage and a request
      expect(ctx.some((r: string) => r.startsWith('Coverage/'))).toBe(true);
      expect(ctx.some((r: string) => /^(ServiceRequest|MedicationRequest)\//.test(r))).toBe(true);
      expect(qr.extension.filter((e: Json) => e.url === DTR.intendedUse).length).toBeGreaterThanOrEqual(1); // intendedUse 1..*
    }
    for (const e of b.entry.slice(1)) if (e.resource.resourceType === 'ValueSet') expect(e.resource.url).toBeTruthy();
  }
}

describe('$questionnaire-package (Da Vinci DTR 2.1)', () => {
  let coverage: Json;
  let order: Json;
  beforeAll(async () => {
    coverage = await read('Coverage/sbxdocs-coverage');
    order = await read('ServiceRequest/sbxdocs-order-1');
  });

  it('with the questionnaire the card names, returns exactly that form with a draft response, valid against the DTR output profiles', async () => {
    const built = documentationForm();
    expect(built.facts).toEqual(['pain-nrs-latest', 'positive-provocative-tests']);
    const res = await pkg({
      resourceType: 'Parameters',
      parameter: [
        { name: 'coverage', resource: coverage },
        { name: 'order', resource: order },
        { name: 'questionnaire', valueCanonical: built.canonical },
      ],
    });
    expect(res.status).toBe(200);
    checkPackage(res.body);
    const bundles = res.body.parameter.filter((p: Json) => p.name === 'PackageBundle');
    expect(bundles).toHaveLength(1);
    const q = bundles[0].resource.entry[0].resource;
    expect(q).toEqual(built.questionnaire);
    const qr = bundles[0].resource.entry[1].resource;
    expect(qr.subject.reference).toBe('Patient/sbxdocs-patient');
    // The questionnaire's canonical resolves.
    const got = await fetch(`${server.base}/dtr/Questionnaire/${q.id}`).then((r) => r.json());
    expect(got).toEqual(q);
  });

  it('with only the order, returns the rule’s whole form (this side sees no record)', async () => {
    const patient = await read('Patient/sbxdocs-patient');
    const res = await pkg({ resourceType: 'Parameters', parameter: [{ name: 'coverage', resource: coverage }, { name: 'order', resource: order }, { name: 'referenced', resource: patient }] });
    expect(res.status).toBe(200);
    checkPackage(res.body);
    const q = res.body.parameter.find((p: Json) => p.name === 'PackageBundle').resource.entry[0].resource;
    expect(q.title).toMatch(/27096 under Medicare LCD/);
    expect(q.item.length).toBeGreaterThan(10);
  });

  it('an unknown questionnaire is a warning in the outcome, not an error', async () => {
    const res = await pkg({ resourceType: 'Parameters', parameter: [{ name: 'coverage', resource: coverage }, { name: 'questionnaire', valueCanonical: 'http://elsewhere.example/Questionnaire/x|1' }] });
    expect(res.status).toBe(200);
    checkPackage(res.body);
    const outcome = res.body.parameter.find((p: Json) => p.name === 'operationOutcome').resource;
    expect(outcome.issue[0].severity).toBe('warning');
    expect(outcome.issue[0].details.text).toMatch(/cannot be found/);
  });

  it('bad input gets a 400 OperationOutcome saying what is wrong, never a stack', async () => {
    const cases: [unknown, RegExp][] = [
      [{ resourceType: 'Bundle' }, /Parameters resource/],
      [{ resourceType: 'Parameters', parameter: [{ name: 'order', resource: order }] }, /coverage is required/],
      [{ resourceType: 'Parameters', parameter: [{ name: 'coverage', resource: coverage }] }, /dtr-1/],
      [{ resourceType: 'Parameters', parameter: [{ name: 'coverage', resource: { resourceType: 'Patient' } }] }, /Coverage resource/],
    ];
    for (const [body, text] of cases) {
      const res = await pkg(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(text);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    const notJson = await fetch(`${server.base}/dtr/Questionnaire/$questionnaire-package`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });
});

describe('$questionnaire-package under arbitrary input', () => {
  it('answers 200 or 400 with a FHIR resource, never a 5xx, whatever the body', async () => {
    const parameter = fc.record({
      name: fc.constantFrom('coverage', 'order', 'questionnaire', 'context', 'referenced', 'changedsince', 'x'),
      resource: fc.option(fc.oneof(fc.jsonValue(), fc.record({ resourceType: fc.constantFrom('Coverage', 'ServiceRequest', 'Patient', 'Bundle'), id: fc.string() })), { nil: undefined }),
      valueCanonical: fc.option(fc.oneof(fc.string(), fc.constant('http://x/Questionnaire/sij-L39383-27096-ff|2023-03-19')), { nil: undefined }),
      valueString: fc.option(fc.string(), { nil: undefined }),
    });
    const body = fc.oneof(fc.jsonValue(), fc.record({ resourceType: fc.constant('Parameters'), parameter: fc.oneof(fc.array(parameter, { maxLength: 5 }), fc.jsonValue()) }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await pkg(b);
        expect([200, 400]).toContain(res.status);
        expect(['Parameters', 'OperationOutcome']).toContain(res.body.resourceType);
      }),
      { numRuns: 150 },
    );
  });
});

describe('a QuestionnaireResponse in the record is read by the next order-sign', () => {
  async function sign(): Promise<Json> {
    const { auth, fhirBase } = server.composed.sandbox!;
    const token = await auth.issueToken({ clientId: 'sandbox-ehr-cds-client', scope: CDS_SCOPE, patient: 'sbxdocs-patient' });
    const url = `${server.base}/cds-services/sij-medical-necessity`;
    const order = await read('ServiceRequest/sbxdocs-order-1');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await auth.signCdsClientJwt(url)}` },
      body: JSON.stringify({
        hook: 'order-sign',
        hookInstance: crypto.randomUUID(),
        fhirServer: fhirBase,
        fhirAuthorization: { access_token: token.access_token, token_type: 'Bearer', expires_in: 300, scope: token.scope, subject: 'sij-cds-service' },
        context: { userId: 'Practitioner/sandbox-practitioner', patientId: 'sbxdocs-patient', draftOrders: { resourceType: 'Bundle', entry: [{ resource: order }] } },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    // The CDS Hooks and CRD contract every response is held to (crd-ci-q1: questionnaire only with doc-needed).
    expectValid(cdsResponseProblems(body));
    return body;
  }

  it('documentation-needed before; the answers written under a SMART write scope make the next signing criteria-met', async () => {
    const before = await sign();
    expect(before.cards[0].extension['medical-necessity'].outcome).toBe('documentation-needed');
    // The card names the form: CRD coverage information's questionnaire beside doc-needed, and the DTR launch link.
    const ci = before.systemActions[0].resource.extension.find((e: Json) => e.url === 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information').extension;
    const questionnaire = ci.find((e: Json) => e.url === 'questionnaire')?.valueCanonical;
    expect(ci.find((e: Json) => e.url === 'doc-needed')?.valueCode).toBe('clinical');
    expect(questionnaire).toBe(documentationForm().canonical);
    const link = before.cards[0].links[0];
    expect(link).toMatchObject({ label: 'Complete documentation', type: 'smart' });
    expect(JSON.parse(link.appContext)).toEqual({ order: 'ServiceRequest/sbxdocs-order-1', coverage: 'Coverage/sbxdocs-coverage', questionnaire });

    const record = (await read('QuestionnaireResponse?patient=sbxdocs-patient')).entry ?? [];
    expect(record).toHaveLength(0);
    const built = documentationForm();
    const qr = finalResponse(
      built,
      { item: [{ linkId: 'pain-nrs-latest.group', item: [{ linkId: 'pain-nrs-latest', answer: [{ valueInteger: 7 }] }] }, { linkId: 'positive-provocative-tests.group', item: [{ linkId: 'positive-provocative-tests', answer: [{ valueInteger: 3 }] }] }] },
      { subject: 'Patient/sbxdocs-patient', order: 'ServiceRequest/sbxdocs-order-1', coverage: 'Coverage/sbxdocs-coverage', author: 'Practitioner/sandbox-practitioner', authored: new Date().toISOString(), status: 'completed' },
    );

    const { auth } = server.composed.sandbox!;
    const readOnly = await auth.issueToken({ clientId: 'sij-necessity', scope: 'patient/QuestionnaireResponse.rs', patient: 'sbxdocs-patient' });
    const refused = await fetch(fhir('QuestionnaireResponse'), { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${readOnly.access_token}` }, body: JSON.stringify(qr) });
    expect(refused.status).toBe(403); // the scopes decide: no write scope, no write
    const otherPatient = await auth.issueToken({ clientId: 'sij-necessity', scope: 'patient/QuestionnaireResponse.cu', patient: 'seed000-patient' });
    const foreign = await fetch(fhir('QuestionnaireResponse'), { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${otherPatient.access_token}` }, body: JSON.stringify(qr) });
    expect(foreign.status).toBe(403); // nor into another patient's record
    const writer = await auth.issueToken({ clientId: 'sij-necessity', scope: 'patient/QuestionnaireResponse.cu', patient: 'sbxdocs-patient' });
    const created = await fetch(fhir('QuestionnaireResponse'), { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${writer.access_token}` }, body: JSON.stringify(qr) });
    expect(created.status, await created.clone().text()).toBe(201);

    const after = await sign();
    expect(after.cards[0].links.some((l: Json) => l.label === 'Complete documentation')).toBe(false);
    expect(JSON.stringify(after.systemActions)).not.toContain('"questionnaire"');
    const mn = after.cards[0].extension['medical-necessity'];
    expect(mn.outcome, JSON.stringify(mn.criteria.filter((c: Json) => c.status !== 'met'))).toBe('criteria-met');
    const pain = mn.criteria.find((c: Json) => c.id === 'lcd-severity');
    expect(pain.evidence.some((e: Json) => e.resourceType === 'QuestionnaireResponse' && e.author === 'Practitioner/sandbox-practitioner')).toBe(true);
  });
});

describe('an EHR that refuses the service QuestionnaireResponses', () => {
  it('leaves the record read as before: no trouble, the key noted as refused', async () => {
    const calls: string[] = [];
    const fetchFn = (async (url: string | URL) => {
      const u = String(url);
      calls.push(u);
      if (u.includes('/QuestionnaireResponse')) return new Response('{"resourceType":"OperationOutcome"}', { status: 403 });
      if (u.includes('/Patient/')) return new Response(JSON.stringify({ resourceType: 'Patient', id: 'p' }), { status: 200 });
      return new Response(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }), { status: 200 });
    }) as typeof fetch;
    const request = { hook: 'order-sign', hookInstance: 'x', fhirServer: 'http://127.0.0.1:9/fhir', context: { userId: 'Practitioner/1', patientId: 'p', draftOrders: { resourceType: 'Bundle' as const } } };
    const resolved = await resolvePrefetch(request, { fetch: fetchFn, allowlist: ['http://127.0.0.1:9'], budget: new FetchBudget(DEFAULT_FETCH_LIMITS, new AbortController().signal) });
    expect(calls.some((c) => c.includes('/QuestionnaireResponse'))).toBe(true);
    expect(resolved.trouble).toBeUndefined();
    expect(resolved.refused).toEqual(['questionnaireResponses']);

    const conditionsRefused = (async (url: string | URL) =>
      String(url).includes('/Condition') ? new Response('{}', { status: 403 }) : fetchFn(url)) as typeof fetch;
    const broken = await resolvePrefetch(request, { fetch: conditionsRefused, allowlist: ['http://127.0.0.1:9'], budget: new FetchBudget(DEFAULT_FETCH_LIMITS, new AbortController().signal) });
    expect(broken.trouble).toMatch(/403/); // a required key refused is still technical trouble
  });
});
