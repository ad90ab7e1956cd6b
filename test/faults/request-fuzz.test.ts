// Random request bodies never get a 5xx: not JSON at all, any JSON, and hook-shaped requests with
// random pieces, sent over real HTTP to the service and its feedback endpoint.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, adaFullPrefetch } from '../cds-hooks/patients';
import { SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

const anyJson = fc.jsonValue({ maxDepth: 4 });
const order = fc.record(
  {
    resourceType: fc.oneof(fc.constantFrom('ServiceRequest', 'MedicationRequest', 'Patient'), anyJson),
    id: fc.oneof(fc.string({ maxLength: 8 }), anyJson),
    status: fc.oneof(fc.constantFrom('draft', 'active'), anyJson),
    code: fc.oneof(fc.record({ coding: fc.array(fc.record({ system: fc.constantFrom('http://www.ama-assn.org/go/cpt', 'x'), code: fc.constantFrom('64625', '64772', '27096', '64999', 'J1100', '1') }), { maxLength: 2 }) }), anyJson),
    medicationCodeableConcept: anyJson,
    category: anyJson,
    subject: fc.oneof(fc.constant({ reference: `Patient/${ADA}` }), anyJson),
  },
  { requiredKeys: [] },
);
const hookish = fc.record(
  {
    hook: fc.oneof(fc.constantFrom('order-sign', 'order-select', 'patient-view'), anyJson),
    hookInstance: fc.oneof(fc.uuid(), anyJson),
    fhirServer: fc.oneof(fc.constantFrom('http://127.0.0.1:9/fhir', 'not a url', 'ftp://x'), anyJson),
    fhirAuthorization: anyJson,
    context: fc.oneof(
      fc.record({
        userId: fc.oneof(fc.constant('Practitioner/1'), anyJson),
        patientId: fc.oneof(fc.constant(ADA), anyJson),
        draftOrders: fc.oneof(fc.record({ resourceType: fc.constant('Bundle'), entry: fc.array(fc.record({ resource: order }), { maxLength: 3 }) }), anyJson),
      }, { requiredKeys: [] }),
      anyJson,
    ),
    prefetch: fc.oneof(fc.constant(adaFullPrefetch()), fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 }), anyJson),
  },
  { requiredKeys: [] },
);

describe('random request bodies', () => {
  it('never get a 5xx from order-sign, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hookish.map((b) => JSON.stringify(b)), anyJson.map((b) => JSON.stringify(b)), fc.string({ maxLength: 40 })), async (body) => {
        const res = await app.post(SERVICE_URL_PATH, body);
        expect(res.status, `${res.status} for ${body.slice(0, 200)}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.body?.resourceType).toBe('OperationOutcome');
      }),
      { numRuns: 300, seed: 5 },
    );
    const ok = await app.post(SERVICE_URL_PATH, { hook: 'order-sign', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/1', patientId: ADA, draftOrders: { resourceType: 'Bundle', entry: [] } }, prefetch: adaFullPrefetch() });
    expect(ok.status).toBe(200);
  }, 120_000);

  it('never get a 5xx from feedback, whatever the body', async () => {
    const entry = fc.record({ card: fc.oneof(fc.uuid(), anyJson), outcome: fc.oneof(fc.constantFrom('accepted', 'overridden'), anyJson), outcomeTimestamp: anyJson, acceptedSuggestions: anyJson, overrideReason: anyJson }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ feedback: fc.oneof(fc.array(entry, { maxLength: 3 }), anyJson) }).map((b) => JSON.stringify(b)), anyJson.map((b) => JSON.stringify(b))), async (body) => {
        const res = await app.post(`${SERVICE_URL_PATH}/feedback`, body);
        expect(res.status, `${res.status} for ${body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 200, seed: 6 },
    );
  }, 120_000);
});
