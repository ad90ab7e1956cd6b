// Patient isolation over real HTTP. The CDS Hooks sandbox (a real client, run unchanged) once sent a
// prefetch in which every patient's Coverages, Conditions and Procedures came back; the service used
// them and another patient's record decided the card. Here: the prefetch that sandbox really sent for
// pt-1 (test/fixtures/cds-samples), with an in-scope order, and with a whole other patient's record
// (a criteria-met Aetna 27096 persona) mixed into its Bundles — and the same through the fallback
// fetch from a FHIR server that ignores the patient parameter.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFETCH_TEMPLATES } from '../../cds-hooks/prefetch';
import { createLogger } from '../../common/logger';
import { loadPersona, resourcesOf } from '../support/fixtures';
import { cdsResponseProblems, expectValid } from './contract';
import { comparable, readSample, SERVICE_URL_PATH, serviceRequest, startApp, type TestApp } from './harness';

const FOREIGN = loadPersona('met-aetna-27096');
const foreignResources = resourcesOf(FOREIGN);
const foreignPatient = foreignResources.find((r) => r.resourceType === 'Patient')!.id!;
const foreignIds = foreignResources.filter((r) => !['Organization', 'Practitioner', 'Location'].includes(r.resourceType)).map((r) => r.id!);

let logged = '';
const sink = new Writable({
  write(chunk, _enc, done) {
    logged += chunk.toString();
    done();
  },
});

/** The captured sandbox request for pt-1, signing 27096 for pt-1 (the foreign persona's own code). */
function capturedRequest(): any {
  const body = readSample('sandbox-rx-sign-order-sign-naproxen-pt-1.json').body;
  body.context.draftOrders.entry = [{ resource: serviceRequest('iso-order', 'pt-1', '27096', { authoredOn: '2025-06-01' }) }];
  delete body.fhirServer;
  return body;
}

/** What the embedded server's POST _search used to return: everyone's resources in each Bundle. */
function withForeignMixedIn(body: any): any {
  const byType = (t: string) => foreignResources.filter((r) => r.resourceType === t).map((resource) => ({ resource }));
  body.prefetch.coverage.entry.push(...byType('Coverage'), ...byType('Organization'));
  body.prefetch.conditions.entry.push(...byType('Condition'));
  body.prefetch.procedures = { resourceType: 'Bundle', type: 'searchset', entry: [...byType('Procedure')] };
  body.prefetch.observations = { resourceType: 'Bundle', type: 'searchset', entry: [...byType('Observation')] };
  body.prefetch.everything = { resourceType: 'Bundle', type: 'searchset', entry: foreignResources.map((resource) => ({ resource })) };
  return body;
}

const EMPTY = { resourceType: 'Bundle', type: 'searchset', entry: [] };
function allKeysAnswered(body: any): any {
  for (const key of ['procedures', 'observations', 'medicationRequests', 'medicationStatements', 'serviceRequests', 'encounters', 'diagnosticReports']) {
    body.prefetch[key] ??= EMPTY;
  }
  return body;
}

let app: TestApp;
let everyone: http.Server;
let everyoneUrl: string;
beforeAll(async () => {
  // A FHIR server that ignores every search parameter: pt-1's Patient read is right, each search
  // answers with pt-1's captured data plus the whole foreign record.
  const pt1 = capturedRequest().prefetch;
  everyone = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/fhir+json');
    if (url.pathname === '/fhir/Patient/pt-1') return void res.end(JSON.stringify(pt1.patient));
    const type = url.pathname.split('/')[2];
    const mine = [...pt1.coverage.entry, ...pt1.conditions.entry].map((e: any) => e.resource);
    const entry = [...mine, ...foreignResources].filter((r) => r.resourceType === type || (type === 'Coverage' && r.resourceType === 'Organization'));
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: entry.map((resource) => ({ resource })) }));
  });
  await new Promise<void>((r) => everyone.listen(0, '127.0.0.1', r));
  everyoneUrl = `http://127.0.0.1:${(everyone.address() as AddressInfo).port}/fhir`;
  app = await startApp({ env: { FHIR_SERVER_ALLOWLIST: new URL(everyoneUrl).origin }, logger: createLogger({ level: 'info', destination: sink }) });
});
afterAll(async () => {
  await app.close();
  everyone.closeAllConnections();
  await new Promise<void>((r) => everyone.close(() => r()));
});

const determinationOf = (body: any) => body.cards.map((c: any) => c.extension['medical-necessity']);

describe('only the context patient\'s data decides the card', () => {
  it('another patient\'s Coverages, Conditions, Procedures and Observations mixed into the real sandbox prefetch change nothing', async () => {
    const clean = await app.post(SERVICE_URL_PATH, allKeysAnswered(capturedRequest()));
    const mixed = await app.post(SERVICE_URL_PATH, allKeysAnswered(withForeignMixedIn(capturedRequest())));
    expect(clean.status).toBe(200);
    expect(mixed.status).toBe(200);
    expectValid(cdsResponseProblems(mixed.body));
    expect(determinationOf(mixed.body)).toEqual(determinationOf(clean.body));
    expect(comparable(mixed.body)).toEqual(comparable(clean.body));
    const text = JSON.stringify(mixed.body);
    for (const id of [foreignPatient, ...foreignIds]) expect(text, id).not.toContain(`"${id}"`);
    for (const id of foreignIds) expect(text, id).not.toContain(`/${id}`);
  });

  it('the same when the record is fetched from a FHIR server that ignores the patient parameter', async () => {
    const body = capturedRequest();
    const prefetched = await app.post(SERVICE_URL_PATH, allKeysAnswered(capturedRequest()));
    delete body.prefetch;
    body.fhirServer = everyoneUrl;
    const fetched = await app.post(SERVICE_URL_PATH, body);
    expect(fetched.status).toBe(200);
    expect(determinationOf(fetched.body)).toEqual(determinationOf(prefetched.body));
    const text = JSON.stringify(fetched.body);
    for (const id of foreignIds) expect(text, id).not.toContain(id);
  });

  it('the log carries how many resources were dropped, never which', async () => {
    logged = '';
    await app.post(SERVICE_URL_PATH, allKeysAnswered(withForeignMixedIn(capturedRequest())));
    const line = JSON.parse(logged.split('\n').find((l) => l.includes('order-sign answered'))!);
    expect(line.isolation.foreign).toBeGreaterThanOrEqual(foreignIds.length);
    expect(line.isolation.kept).toBeGreaterThan(0);
    for (const id of [foreignPatient, ...foreignIds, 'pt-1']) expect(logged).not.toContain(id);
  });

  it('a draft order for another patient gets no card and is not judged against this record', async () => {
    const body = allKeysAnswered(capturedRequest());
    body.context.draftOrders.entry.push({ resource: serviceRequest('iso-foreign-order', foreignPatient, '64625') });
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(200);
    expect(res.body.cards.map((c: any) => c.extension['medical-necessity'].order.reference)).toEqual(['ServiceRequest/iso-order']);
  });
});

describe('another patient\'s resource with an own resource\'s type and id', () => {
  // The Medicare persona that meets the criteria, with her own active lumbar radiculopathy on the problem
  // list (a competing cause: criteria-not-met). Another patient's Condition with the same id arrives
  // under a second prefetch key, as when a client merges two sources.
  const OWN = loadPersona('met-medicare-27096-oh');
  const ownResources = resourcesOf(OWN);
  const ownPatient = ownResources.find((r) => r.resourceType === 'Patient')!.id!;
  const order = ownResources.find((r) => r.resourceType === 'ServiceRequest' && (r as any).status === 'draft')!;
  const radiculopathy = {
    resourceType: 'Condition',
    id: 'shared-id-cond',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M54.17', display: 'Radiculopathy, lumbosacral region' }] },
    subject: { reference: `Patient/${ownPatient}` },
    onsetDateTime: '2025-08-01',
  };
  const impostor = {
    ...radiculopathy,
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Essential hypertension' }] },
    subject: { reference: `Patient/${foreignPatient}` },
  };
  const bundle = (resources: unknown[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });
  // Every template key answered (empty), so nothing is fetched; the record comes under the keys given.
  const request = (keys: Record<string, unknown[]>) => ({
    hook: 'order-sign',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/dr-1', patientId: ownPatient, draftOrders: bundle([order]) },
    prefetch: {
      ...Object.fromEntries(Object.keys(PREFETCH_TEMPLATES).map((k) => [k, EMPTY])),
      patient: ownResources.find((r) => r.resourceType === 'Patient'),
      ...Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, bundle(v)])),
    },
  });
  const outcomeOf = async (body: unknown) => {
    const res = await app.post(SERVICE_URL_PATH, body);
    expect(res.status).toBe(200);
    return determinationOf(res.body).map((d: any) => d.outcome);
  };

  it('does not displace it, whichever key comes last', async () => {
    const own = await outcomeOf(request({ conditions: [...ownResources, radiculopathy] }));
    expect(own).toEqual(['criteria-not-met']);
    expect(await outcomeOf(request({ conditions: [...ownResources, radiculopathy], 'zzz-other-source': [impostor] }))).toEqual(own);
    expect(await outcomeOf(request({ aaa: [impostor], conditions: [...ownResources, radiculopathy] }))).toEqual(own);
  });

  it('is not read as hers when she has no resource of that id', async () => {
    const clean = await outcomeOf(request({ conditions: ownResources }));
    expect(clean).toEqual(['criteria-met']);
    expect(await outcomeOf(request({ conditions: ownResources, 'zzz-other-source': [{ ...impostor, code: radiculopathy.code }] }))).toEqual(clean);
  });
});
