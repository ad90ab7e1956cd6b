// Real clients' requests (test/fixtures/cds-samples, copied from ../shared/cds-samples) and every bad
// input the service must refuse — each followed by a good request to show the service keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '@medplum/fhirtypes';
import { startFhirServer } from '../../sandbox/fhir-server';
import { cdsResponseProblems, expectValid, operationOutcomeProblems } from './contract';
import { hookRequest, readSample, SERVICE_URL_PATH, startApp, type TestApp } from './harness';
import { ADA, adaOrders } from './patients';

let fhir: Awaited<ReturnType<typeof startFhirServer>>;
let app: TestApp;

/** pt-1 as the samples' local FHIR server held it, with the payer named. */
function pt1Record(): Bundle {
  const crd = readSample('crd-request-generator-order-sign-mri-pt-1.json').body;
  const sandbox = readSample('sandbox-rx-sign-order-sign-naproxen-pt-1.json').body;
  const resources = [
    ...crd.prefetch.serviceRequestBundle.entry.map((e: any) => e.resource).filter((r: any) => r.resourceType !== 'ServiceRequest'),
    ...crd.prefetch.coverageBundle.entry.map((e: any) => e.resource),
    ...sandbox.prefetch.conditions.entry.map((e: any) => e.resource),
    { resourceType: 'Organization', id: 'org-payer-1', name: 'Aetna' },
  ];
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

async function expectStillServing(): Promise<void> {
  const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] }));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ cards: [] });
}

beforeAll(async () => {
  fhir = await startFhirServer({ bundles: [pt1Record()] });
  app = await startApp({ env: { FHIR_SERVER_ALLOWLIST: new URL(fhir.url).origin } });
});
afterAll(async () => {
  await app.close();
  await fhir.close();
});

describe('real clients', () => {
  it('the CRD request generator\'s MRI order (out of scope, _include prefetch under its own keys) gets {"cards": []}', async () => {
    const res = await app.post(SERVICE_URL_PATH, readSample('crd-request-generator-order-sign-mri-pt-1.json').body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  it('the CRD request generator with 64625 and an empty access_token: fetches with no Authorization header and asserts coverage on ServiceRequest.insurance', async () => {
    const body = readSample('crd-request-generator-order-sign-mri-pt-1.json').body;
    body.fhirServer = fhir.url;
    const order = body.context.draftOrders.entry[0].resource;
    order.code = { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '64625', display: 'SIJ RFA' }] };
    // The sample was captured with authoredOn 2025-06-01, before the Aetna bulletin revision the library
    // holds took effect (2025-11-17); an order signed now is dated now.
    order.authoredOn = '2026-11-20';
    body.prefetch.serviceRequestBundle.entry[0].resource = order;
    app.fetchCalls.length = 0;
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(200);
    expectValid(cdsResponseProblems(res.body));
    expect(app.fetchCalls.length).toBeGreaterThan(0);
    expect(app.fetchCalls.every((c) => c.authorization === null)).toBe(true);
    expect(res.body.cards[0].source.label).toBe('Aetna');
    const ext = res.body.systemActions[0].resource.extension[0].extension;
    expect(ext.find((e: any) => e.url === 'coverage').valueReference.reference).toBe('Coverage/cov-pt-1');
    expect(res.body.systemActions[0].resource.insurance).toEqual([{ reference: 'Coverage/cov-pt-1' }]);

    // As captured (authoredOn 2025-06-01, before that revision): the evidence pathway judges it, the
    // card does not speak as Aetna, and no coverage information is asserted on Aetna's Coverage.
    const asCaptured = readSample('crd-request-generator-order-sign-mri-pt-1.json').body;
    asCaptured.fhirServer = fhir.url;
    asCaptured.context.draftOrders.entry[0].resource.code = order.code;
    asCaptured.prefetch.serviceRequestBundle.entry[0].resource = asCaptured.context.draftOrders.entry[0].resource;
    const earlier = await app.post(SERVICE_URL_PATH, asCaptured);
    expect(earlier.status).toBe(200);
    expectValid(cdsResponseProblems(earlier.body));
    expect(earlier.body.cards[0].source.label).toBe('SIJ medical-necessity evidence pathway (no payer policy found)');
    expect(earlier.body.systemActions).toBeUndefined();
  });

  it('the CDS Hooks sandbox\'s naproxen order (category as an object, no fhirAuthorization) gets {"cards": []}', async () => {
    for (const name of ['sandbox-rx-sign-order-sign-naproxen-pt-1.json', 'sandbox-rx-sign-order-sign-no-medication-pt-1.json']) {
      const res = await app.post(SERVICE_URL_PATH, readSample(name).body);
      expect(res.status, name).toBe(200);
      expect(res.body).toEqual({ cards: [] });
    }
  });

  it('the CDS Hooks sandbox signing J1100 with an injection: the MedicationRequest comes back with category as an R4 array', async () => {
    const body = readSample('sandbox-rx-sign-order-sign-naproxen-pt-1.json').body;
    body.fhirServer = fhir.url;
    const med = body.context.draftOrders.entry[0].resource;
    med.medicationCodeableConcept = {
      coding: [{ system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J1100', display: 'Dexamethasone sodium phosphate, 1 mg' }],
    };
    med.authoredOn = '2026-11-20'; // after the Aetna revision the library holds took effect, as an order signed now is
    body.context.draftOrders.entry.push({
      resource: { resourceType: 'ServiceRequest', id: 'sr-sij', status: 'draft', intent: 'order', authoredOn: '2026-11-20', subject: { reference: 'Patient/pt-1' }, code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '27096' }] } },
    });
    app.fetchCalls.length = 0;
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(200);
    expectValid(cdsResponseProblems(res.body));
    expect(app.fetchCalls.every((c) => c.authorization === null)).toBe(true);
    // The sandbox prefetched the Coverage without its payer Organization: the service read it.
    expect(app.fetchCalls.some((c) => c.url.endsWith('/Organization?_id=org-payer-1&_count=1000'))).toBe(true);
    expect(res.body.cards.map((c: any) => c.source.label)).toEqual(['Aetna', 'Aetna']);
    const meds = res.body.systemActions.filter((x: any) => x.resource.resourceType === 'MedicationRequest');
    expect(meds.length).toBe(1);
    for (const a of meds) expect(Array.isArray(a.resource.category)).toBe(true);
  });

  it('the Da Vinci IG\'s own order-sign example (mammography, out of scope) gets {"cards": []}', async () => {
    const res = await app.post(SERVICE_URL_PATH, readSample('CRDServiceRequest.json'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  it('ignores unknown context fields', async () => {
    const body = hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] });
    (body.context as any).selections = ['x'];
    (body.context as any).somethingNew = { a: 1 };
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(200);
  });
});

describe('bad inputs get their status and the service keeps serving', () => {
  const good = () => hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] });
  const cases: [string, () => unknown, number, string?][] = [
    ['invalid JSON', () => '{"hook": "order-sign",', 400],
    ['a JSON array', () => '[]', 400],
    ['the wrong hook', () => ({ ...good(), hook: 'patient-view' }), 400, 'patient-view'],
    ['no context', () => ({ ...good(), context: undefined }), 400, 'context'],
    ['no context.patientId', () => ({ ...good(), context: { ...(good().context as object), patientId: undefined } }), 400, 'patientId'],
    ['draftOrders that is not a Bundle', () => ({ ...good(), context: { ...(good().context as object), draftOrders: [{ resourceType: 'ServiceRequest' }] } }), 400, 'Bundle'],
    ['an order-sign 1.0 request with context.medications (the spec example)', () => readSample('examples-1-request-order-sign.json'), 400, 'draftOrders'],
  ];
  for (const [name, body, status, mentions] of cases) {
    it(`${name} → ${status} OperationOutcome`, async () => {
      const res = await app.post(SERVICE_URL_PATH, body());
      expect(res.status).toBe(status);
      expectValid(operationOutcomeProblems(res.body));
      if (mentions) expect(JSON.stringify(res.body.issue)).toContain(mentions);
      await expectStillServing();
    });
  }

  it('an unknown service → 404 OperationOutcome', async () => {
    const res = await app.post('/cds-services/no-such-service', good());
    expect(res.status).toBe(404);
    expectValid(operationOutcomeProblems(res.body));
    await expectStillServing();
  });

  it('a body over 5 MB → 413 OperationOutcome', async () => {
    const body = { ...good(), padding: 'x'.repeat(5 * 1024 * 1024 + 10) };
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(413);
    expectValid(operationOutcomeProblems(res.body));
    await expectStillServing();
  });

  it('a body just under 5 MB is read', async () => {
    const res = await app.post(SERVICE_URL_PATH, { ...good(), padding: 'x'.repeat(4 * 1024 * 1024) });
    expect(res.status).toBe(200);
  });
});
