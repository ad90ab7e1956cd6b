// The sandbox EHR's bench API over HTTP, against the whole composed server (service, feedback store,
// sandbox): every call needs the page's session cookie; bad input is a 400 that says what is wrong;
// tokens are issued only for the sandbox's own FHIR server and the request's own patient; coverage
// changes are FHIR writes that anyone reading the server sees, and restore undoes them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config';
import { compose, type Composed } from '../../server/compose';
import { createLogger } from '../../common/logger';

let server: http.Server;
let base: string;
let composed: Composed;
let cookie: string;
let tmp: string;

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sij-bench-'));
  composed = await compose(parseConfig({ PORT: '0', PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent', FEEDBACK_DB_PATH: path.join(tmp, 'f.db'), CLIENT_DIST_DIR: tmp }), createLogger({ level: 'silent' }));
  server.on('request', composed.app);
  // The page is not built here (503), but serving it still opens the page's session.
  cookie = (await fetch(`${base}/ehr`)).headers.get('set-cookie')!.split(';')[0]!;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await composed.close();
  rmSync(tmp, { recursive: true, force: true });
});

const api = (p: string, body?: unknown, withCookie = true) =>
  fetch(`${base}/ehr/api/${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(withCookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const refusal = async (res: Response) => ({ status: res.status, text: ((await res.json()) as { error_description?: string }).error_description });

const draft = (patient: string, code = '64772') => ({
  resourceType: 'ServiceRequest',
  id: `d-${code}`,
  status: 'draft',
  intent: 'order',
  subject: { reference: `Patient/${patient}` },
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code }] },
});

describe('the bench API', () => {
  it('refuses every call without the page’s session cookie', async () => {
    for (const [p, body] of [
      ['feedback?card=x', undefined],
      ['feedback', { feedback: [] }],
      ['replay', { request: {} }],
      ['coverage?patientId=seed000-patient', undefined],
      ['coverage', { patientId: 'seed000-patient', payer: 'aetna' }],
      ['coverage/restore', { patientId: 'seed000-patient' }],
    ] as const) {
      expect((await api(p, body, false)).status, p).toBe(403);
    }
  });

  it('signs several drafts of one patient in one request, and refuses drafts of another patient, none, or too many', async () => {
    const res = await api('sign', { patientId: 'seed000-patient', orders: [draft('seed000-patient'), draft('seed000-patient', '64999')] });
    expect(res.status).toBe(200);
    const call = (await res.json()) as { status: number; request: { context: { draftOrders: { entry: unknown[] } }; fhirAuthorization: { access_token: string } }; response: { cards: unknown[] } };
    expect(call.status).toBe(200);
    expect(call.request.context.draftOrders.entry).toHaveLength(2);
    expect(call.request.fhirAuthorization.access_token).toBe('(redacted)');
    expect(call.response.cards).toHaveLength(2);

    expect(await refusal(await api('sign', { patientId: 'seed000-patient', orders: [draft('seed000-patient'), draft('seed001-patient')] }))).toEqual({
      status: 400,
      text: 'orders[1] is for Patient/seed001-patient, not Patient/seed000-patient.',
    });
    expect((await api('sign', { patientId: 'seed000-patient', orders: [] })).status).toBe(400);
    expect((await api('sign', { patientId: 'seed000-patient', orders: Array.from({ length: 21 }, () => draft('seed000-patient')) })).status).toBe(400);
    expect((await api('sign', { patientId: 'nobody', orders: [draft('nobody')] })).status).toBe(400);
  });

  it('replays only order-sign requests for sandbox patients, and issues a token only for the sandbox’s own FHIR server', async () => {
    const request = { hook: 'order-sign', hookInstance: 'h', fhirServer: `${base}/fhir`, fhirAuthorization: { access_token: '(redacted)' }, context: { patientId: 'seed000-patient', userId: 'Practitioner/x', draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft('seed000-patient') }] } } };
    const ok = await api('replay', { request });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: number }).status).toBe(200);
    expect(await refusal(await api('replay', { request: 'text' }))).toMatchObject({ status: 400, text: expect.stringMatching(/JSON object/) });
    expect(await refusal(await api('replay', { request: { ...request, hook: 'patient-view' } }))).toMatchObject({ status: 400, text: expect.stringMatching(/Only order-sign/) });
    expect(await refusal(await api('replay', { request: { ...request, context: { ...request.context, patientId: 'nobody' } } }))).toMatchObject({ status: 400 });
    // Another fhirServer with fhirAuthorization: the sandbox's token must never be sent elsewhere.
    expect(await refusal(await api('replay', { request: { ...request, fhirServer: 'https://elsewhere.example/fhir' } }))).toMatchObject({ status: 400, text: expect.stringMatching(/fhirServer must stay/) });
  });

  it('reads stored feedback only for well-formed card ids, and says when none are asked for', async () => {
    expect(await refusal(await api('feedback'))).toMatchObject({ status: 400, text: expect.stringMatching(/Ask for 1 to 50 cards/) });
    expect((await api('feedback?card=<script>')).status).toBe(400);
    const none = await api('feedback?card=00000000-0000-4000-8000-000000000000');
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ entries: [] });
  });

  it('forwards feedback to the service, which refuses a card it never issued (422), and says so', async () => {
    const res = await api('feedback', { feedback: [{ card: '00000000-0000-4000-8000-000000000000', outcome: 'accepted', outcomeTimestamp: new Date().toISOString() }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 422 });
  });

  it('switches payer, member id and state through the FHIR server, refuses bad values, and restores the record as loaded', async () => {
    expect((await api('coverage', { patientId: 'seed001-patient', payer: 'acme' })).status).toBe(400);
    expect((await api('coverage', { patientId: 'seed001-patient', state: 'Ohio' })).status).toBe(400);
    expect((await api('coverage', { patientId: 'seed001-patient', memberId: 'a b' })).status).toBe(400);
    expect((await api('coverage', { patientId: 'nobody', payer: 'aetna' })).status).toBe(400);

    const changed = (await (await api('coverage', { patientId: 'seed001-patient', payer: 'medicare-advantage', memberId: 'MA-1', state: 'KY' })).json()) as Record<string, unknown>;
    expect(changed).toMatchObject({ payer: 'Humana Medicare Advantage', memberId: 'MA-1', state: 'KY', changed: true });
    const read = (await (await fetch(`${base}/fhir/Coverage?beneficiary=Patient/seed001-patient`)).json()) as { entry: { resource: { status: string; subscriberId: string; type: { coding: { code: string }[] } } }[] };
    expect(read.entry.filter((e) => e.resource.status === 'active').map((e) => [e.resource.subscriberId, e.resource.type.coding[0]!.code])).toEqual([['MA-1', '11']]);

    const none = (await (await api('coverage', { patientId: 'seed001-patient', payer: 'none' })).json()) as Record<string, unknown>;
    expect(none.payer).toBeUndefined();

    const restored = (await (await api('coverage/restore', { patientId: 'seed001-patient' })).json()) as Record<string, unknown>;
    expect(restored).toMatchObject({ payer: 'Aetna', memberId: 'AET-SYN-000002', state: 'OH', changed: false });
  });
});
