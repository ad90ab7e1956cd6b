// No body gets a 5xx. Structure-aware fuzzing over real HTTP: fast-check builds CDS Hooks order-sign
// requests, feedback bodies and SMART /auth/* requests in which every position may instead hold null,
// a wrong type, an empty value or a huge one, with nesting limited (bodies over the depth limit are a
// separate, explicit case). Plus any JSON at all and text that is not JSON.
//
// Documented size (the "Done when" of issue 9): 1,000 order-sign bodies, 400 feedback bodies and
// 400 /auth/* requests per run, fixed seeds so a failure reproduces.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/index';
import { ADA, adaFullPrefetch } from '../cds-hooks/patients';
import { coding, hookRequestArb, mut, obj } from '../support/cds-arbitraries';
import { CPT, SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';

export const FUZZ_RUNS = { orderSign: 1000, feedback: 400, auth: 400 } as const;

const anyJson = fc.jsonValue({ maxDepth: 4 });
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

function expectNo5xx(res: { status: number; text: string; body: any }, body: string) {
  expect(res.status, `${res.status} for ${body.slice(0, 300)}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) expect(res.body?.resourceType).toBe('OperationOutcome');
}

describe('structure-aware fuzzing: no body gets a 5xx', () => {
  it(`order-sign: ${FUZZ_RUNS.orderSign} bodies (mutated requests, any JSON, not JSON), a good share of them judged`, async () => {
    const statuses: number[] = [];
    let cards = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 8, arbitrary: hookRequestArb.map((b) => JSON.stringify(b)) }, { weight: 1, arbitrary: anyJson.map((b) => JSON.stringify(b)) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }),
        async (body) => {
          const res = await app.post(SERVICE_URL_PATH, body);
          expectNo5xx(res, body);
          statuses.push(res.status);
          cards += res.body?.cards?.length ?? 0;
        },
      ),
      { numRuns: FUZZ_RUNS.orderSign, seed: 9 },
    );
    // The fuzz must reach the engine, not only the parser: a tenth of the bodies are answered 200, and
    // cards come back for a good share of those.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(FUZZ_RUNS.orderSign / 10);
    expect(cards).toBeGreaterThan(FUZZ_RUNS.orderSign / 20);
  }, 300_000);

  it('the shapes that once gave 500s: entry [null], entry {}, null in code.coding, a Bundle nested 20,000 deep', async () => {
    const base = (orders: unknown, prefetch: unknown = adaFullPrefetch()) => ({
      hook: 'order-sign',
      hookInstance: crypto.randomUUID(),
      context: { userId: 'Practitioner/1', patientId: ADA, draftOrders: { resourceType: 'Bundle', entry: orders } },
      prefetch,
    });
    const sr = (code: unknown) => ({ resource: { resourceType: 'ServiceRequest', id: 'x1', status: 'draft', subject: { reference: `Patient/${ADA}` }, code } });
    // Built as text: a 20,000-deep object would overflow JSON.stringify in the test itself.
    const DEEP = `${'{"resourceType":"Bundle","entry":[{"resource":'.repeat(20_000)}{"resourceType":"Bundle"}${'}]}'.repeat(20_000)}`;
    const bodies = [
      base([null]),
      base({}),
      base([sr({ coding: [null, { system: CPT, code: '64625' }] })]),
      base([sr({ coding: null })]),
      base([sr({ coding: [{ system: CPT, code: '27096' }] })], { ...adaFullPrefetch(), conditions: { resourceType: 'Bundle', entry: [null, {}, { resource: null }] } }),
      base([sr({ coding: [{ system: CPT, code: '27096' }] })], { ...adaFullPrefetch(), conditions: { resourceType: 'Bundle', entry: {} } }),
      base([sr({ coding: [{ system: CPT, code: '27096' }] })], { ...adaFullPrefetch(), deep: '<DEEP>' }),
    ];
    for (const [i, b] of bodies.entries()) {
      const text = JSON.stringify(b).replace('"<DEEP>"', DEEP);
      const res = await app.post(SERVICE_URL_PATH, text);
      expectNo5xx(res, `#${i} ${text}`);
    }
  }, 60_000);

  it(`feedback: ${FUZZ_RUNS.feedback} bodies`, async () => {
    const entry = obj({
      card: mut(fc.uuid()),
      outcome: mut(fc.constantFrom('accepted', 'overridden')),
      outcomeTimestamp: mut(fc.constantFrom('2025-06-01T10:00:00Z', '2025-06-01', 'soon')),
      acceptedSuggestions: mut(fc.array(mut(obj({ id: mut(fc.uuid()) })), { maxLength: 2 })),
      overrideReason: mut(obj({ reason: mut(coding), userComment: mut(fc.string({ maxLength: 10 })) })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 8, arbitrary: obj({ feedback: mut(fc.array(mut(entry), { maxLength: 3 })) }).map((b) => JSON.stringify(b)) }, { weight: 2, arbitrary: anyJson.map((b) => JSON.stringify(b)) }),
        async (body) => expectNo5xx(await app.post(`${SERVICE_URL_PATH}/feedback`, body), body),
      ),
      { numRuns: FUZZ_RUNS.feedback, seed: 10 },
    );
  }, 300_000);
});

describe('structure-aware fuzzing: /auth/* never answers 5xx', () => {
  let server: http.Server;
  let base: string;
  let sandbox: Sandbox;
  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = await createSandbox({ publicBaseUrl: base, clients: [{ clientId: 'test-app', redirectUris: ['http://app.example/app/'], levels: ['patient'] }] });
    const a = express();
    a.use(sandbox.router);
    server.on('request', a);
  }, 60_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'code', 'S256', 'plain', 'test-app', 'authorization_code', 'refresh_token', 'approve', 'http://app.example/app/', 'javascript:alert(1)', 'launch openid patient/*.rs', 'user/*.cruds system/*.cruds', 'x'.repeat(5000)));
  const key = fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'aud', 'launch', 'code_challenge', 'code_challenge_method', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'request', 'decision', 'patient', 'x');
  // Pairs, so a parameter can be doubled (?scope=a&scope=b), which once gave 500s.
  const params = fc.array(fc.tuple(key, value), { maxLength: 10 });

  it(`${FUZZ_RUNS.auth} requests to /auth/authorize, /auth/authorize/decision and /auth/token`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('authorize', 'decision', 'token'), params, fc.constantFrom('form', 'json', 'garbage'), async (endpoint, pairs, encoding) => {
        const q = new URLSearchParams(pairs);
        let res: Response;
        if (endpoint === 'authorize') res = await fetch(`${base}/auth/authorize?${q}`, { redirect: 'manual' });
        else {
          const body = encoding === 'form' ? q.toString() : encoding === 'json' ? JSON.stringify(Object.fromEntries(pairs)) : '%%%\u0000{';
          const type = encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
          res = await fetch(`${base}/auth/${endpoint === 'token' ? 'token' : 'authorize/decision'}`, { method: 'POST', headers: { 'content-type': type }, body, redirect: 'manual' });
        }
        const text = await res.text();
        expect(res.status, `${endpoint} ${q}: ${text.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS.auth, seed: 11 },
    );
  }, 300_000);
});
