// The order-sign service over real HTTP: discovery, prefetch and fallback paths against a real local
// FHIR server, the CRD coverage information, and technical trouble. Every response is contract-checked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirServer } from '../../sandbox/fhir-server';
import { PREFETCH_TEMPLATES, replacePrefetchTokens } from '../../cds-hooks/prefetch';
import { cdsResponseProblems, discoveryProblems, expectValid, operationOutcomeProblems } from './contract';
import { comparable, hookRequest, SERVICE_URL_PATH, startApp, type TestApp } from './harness';
import { ADA, adaOrders, adaRecord } from './patients';

let fhir: Awaited<ReturnType<typeof startFhirServer>>;
let app: TestApp;

/** What a CDS client would prefetch: each template run against the FHIR server. */
async function prefetchFor(patientId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(PREFETCH_TEMPLATES)) {
    const query = replacePrefetchTokens(template, { patientId, userId: 'Practitioner/dr-1' })!;
    out[key] = await (await fetch(`${fhir.url}/${query}${query.includes('?') ? '&' : '?'}_count=1000`)).json();
  }
  return out;
}

beforeAll(async () => {
  // Pages of at most 20, whatever _count the service asks for, so the fallback must follow next links.
  fhir = await startFhirServer({ bundles: [adaRecord], maxCount: 20 });
  app = await startApp({ env: { FHIR_SERVER_ALLOWLIST: new URL(fhir.url).origin } });
});
afterAll(async () => {
  await app.close();
  await fhir.close();
});

describe('discovery', () => {
  it('lists sij-medical-necessity for order-sign with CDS Hooks 2.0 prefetch tokens and the payor _include', async () => {
    const res = await fetch(`${app.url}/cds-services`);
    const body = await res.json();
    expect(res.status).toBe(200);
    expectValid(discoveryProblems(body));
    const service = body.services.find((s: { id: string }) => s.id === 'sij-medical-necessity');
    expect(service.hook).toBe('order-sign');
    expect(service.prefetch.coverage).toContain('_include=Coverage:payor');
    expect(service.prefetch.serviceRequests).toBe('ServiceRequest?patient={{context.patientId}}&status=draft,active');
  });
});

describe('order-sign with prefetch', () => {
  it('when Aetna covers the patient and 64625 is signed, the card warns it is not medically necessary under Aetna CPB 0016', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: await prefetchFor(ADA) }));
    expect(res.status).toBe(200);
    expectValid(cdsResponseProblems(res.body));
    const rfa = res.body.cards.find((c: any) => c.extension['medical-necessity'].code.code === '64625');
    expect(rfa.summary).toBe('64625 not medically necessary (experimental, investigational or unproven) under Aetna CPB 0016');
    expect(rfa.summary.length).toBeLessThanOrEqual(140);
    expect(rfa.indicator).toBe('warning');
    expect(rfa.source.label).toBe('Aetna');
    expect(rfa.extension['medical-necessity'].outcome).toBe('not-medically-necessary');
    expect(app.fetchCalls).toHaveLength(0);
  });

  it('gives no card and no coverage information for the out-of-scope MRI in the same request', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: await prefetchFor(ADA) }));
    const orders = res.body.cards.map((c: any) => c.extension['medical-necessity'].order.reference);
    expect(orders).not.toContain('ServiceRequest/cds-ada-mri');
    expect(res.body.systemActions.map((a: any) => a.resource.id)).not.toContain('cds-ada-mri');
  });

  it('maps not-medically-necessary to CRD covered=not-covered on the order, naming the patient\'s Coverage', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: await prefetchFor(ADA) }));
    const action = res.body.systemActions.find((a: any) => a.resource.id === 'cds-ada-rfa');
    const ext = action.resource.extension[0].extension;
    expect(ext.find((e: any) => e.url === 'covered').valueCode).toBe('not-covered');
    expect(ext.find((e: any) => e.url === 'pa-needed')).toBeUndefined();
    expect(ext.find((e: any) => e.url === 'coverage').valueReference.reference).toBe('Coverage/cds-ada-cov');
    const card = res.body.cards.find((c: any) => c.extension['medical-necessity'].order.reference === 'ServiceRequest/cds-ada-rfa');
    expect(ext.find((e: any) => e.url === 'coverage-assertion-id').valueString).toBe(card.uuid);
  });

  it('answers {"cards": []} when no order is in scope', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });
});

describe('order-sign fallback to fhirServer', () => {
  it('fetches every missing key with the access token, follows next links, and gives the same cards as the prefetch path', async () => {
    const withPrefetch = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: await prefetchFor(ADA) }));
    app.fetchCalls.length = 0;
    const fetched = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: fhir.url, accessToken: 'tok-123' }));
    expect(fetched.status).toBe(200);
    expectValid(cdsResponseProblems(fetched.body));
    expect(comparable(fetched.body)).toEqual(comparable(withPrefetch.body));
    expect(app.fetchCalls.length).toBeGreaterThan(Object.keys(PREFETCH_TEMPLATES).length); // the 25 observations page
    expect(app.fetchCalls.some((c) => c.url.includes('_offset=20'))).toBe(true);
    expect(app.fetchCalls.every((c) => c.authorization === 'Bearer tok-123')).toBe(true);
  });

  it('fetches only the keys that are missing, null or an OperationOutcome', async () => {
    const prefetch = await prefetchFor(ADA);
    prefetch.conditions = null;
    prefetch.observations = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] };
    delete prefetch.procedures;
    app.fetchCalls.length = 0;
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch, fhirServer: fhir.url }));
    expect(res.status).toBe(200);
    expectValid(cdsResponseProblems(res.body));
    const paths = app.fetchCalls.map((c) => new URL(c.url).pathname.split('/').pop());
    expect(new Set(paths)).toEqual(new Set(['Condition', 'Observation', 'Procedure']));
  });

  it('answers 412 saying why, and connects to nothing, when fhirServer is not on the allowlist', async () => {
    app.fetchCalls.length = 0;
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: 'http://127.0.0.1:1/fhir' }));
    expect(res.status).toBe(412);
    expectValid(operationOutcomeProblems(res.body));
    expect(res.body.issue[0].details.text).toMatch(/FHIR_SERVER_ALLOWLIST/);
    expect(app.fetchCalls).toHaveLength(0);
  });

  it('answers 412 when prefetch is missing and there is no fhirServer to fetch from', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders() }));
    expect(res.status).toBe(412);
    expectValid(operationOutcomeProblems(res.body));
  });
});

describe('order-sign when the FHIR server misbehaves', () => {
  let trouble: http.Server;
  let troubleApp: TestApp;
  const DEADLINE = 600;
  beforeAll(async () => {
    trouble = http.createServer((req, res) => {
      if (req.url?.startsWith('/hang/')) return; // never answers
      if (req.url?.startsWith('/fail/')) return void res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('<html>not json');
    });
    await new Promise<void>((resolve) => trouble.listen(0, '127.0.0.1', resolve));
    troubleApp = await startApp({ env: { FHIR_SERVER_ALLOWLIST: `http://127.0.0.1:${(trouble.address() as AddressInfo).port}`, FHIR_DEADLINE_MS: String(DEADLINE) } });
  });
  afterAll(async () => {
    await troubleApp.close();
    trouble.closeAllConnections();
    await new Promise<void>((resolve) => trouble.close(() => resolve()));
  });

  for (const kind of ['hang', 'fail', 'garbage'] as const) {
    it(`when the FHIR server ${kind === 'hang' ? 'never answers' : kind === 'fail' ? 'answers 503' : 'sends garbage'}, the cards say indeterminate within the deadline and no CRD coverage information speaks for the payer`, async () => {
      const port = (trouble.address() as AddressInfo).port;
      const res = await troubleApp.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: `http://127.0.0.1:${port}/${kind}/fhir` }));
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(DEADLINE + 1500);
      expectValid(cdsResponseProblems(res.body));
      expect(res.body.cards.map((c: any) => c.extension['medical-necessity'].outcome)).toEqual(['indeterminate', 'indeterminate']);
      expect(res.body.cards.every((c: any) => /could not read the patient's record/.test(c.detail))).toBe(true);
      expect(res.body.systemActions).toBeUndefined();
      // and the service keeps serving
      const next = await troubleApp.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] }));
      expect(next.status).toBe(200);
    });
  }
});
