// The app's cross-cutting behaviour over real HTTP: CORS and preflight everywhere, /health, the 404,
// errors as OperationOutcome without stack traces, and logs without tokens or patient data.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { operationOutcomeProblems, expectValid } from '../cds-hooks/contract';
import { hookRequest, realEngine, SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';
import { ADA, adaFullPrefetch, adaOrders } from '../cds-hooks/patients';

let logged = '';
const sink = new Writable({
  write(chunk, _enc, done) {
    logged += chunk.toString();
    done();
  },
});
let app: TestApp;
let broken: TestApp;

beforeAll(async () => {
  app = await startApp({ logger: createLogger({ level: 'debug', destination: sink }) });
  broken = await startApp({
    logger: createLogger({ level: 'debug', destination: sink }),
    engine: {
      ...realEngine(),
      evaluate: () => {
        throw new Error('engine exploded at secret place');
      },
    },
  });
});
afterAll(async () => {
  await app.close();
  await broken.close();
});

describe('app', () => {
  for (const [method, path] of [
    ['OPTIONS', '/cds-services'],
    ['OPTIONS', SERVICE_URL_PATH],
    ['OPTIONS', `${SERVICE_URL_PATH}/feedback`],
    ['OPTIONS', '/health'],
  ] as const) {
    it(`answers a CORS preflight on ${path} with 204 and the allowed headers`, async () => {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: { origin: 'https://sandbox.cds-hooks.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    });
  }

  it('puts CORS headers on ordinary responses and errors too', async () => {
    for (const path of ['/cds-services', '/health', '/nothing-here']) {
      const res = await fetch(`${app.url}${path}`, { headers: { origin: 'https://sandbox.cds-hooks.org' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('GET /health answers 200 when the service is ready', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown path with a 404 OperationOutcome', async () => {
    const res = await fetch(`${app.url}/nothing-here`);
    expect(res.status).toBe(404);
    expectValid(operationOutcomeProblems(await res.json()));
  });

  it('answers an internal failure with a 500 OperationOutcome that carries no stack trace or message', async () => {
    const res = await broken.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: adaFullPrefetch() }));
    expect(res.status).toBe(500);
    expectValid(operationOutcomeProblems(res.body));
    expect(res.text).not.toMatch(/exploded|secret|\.ts:\d+/);
    expect(logged).toMatch(/exploded/); // the stack goes to the log
  });

  it('never logs the bearer token, the access token or patient data', async () => {
    logged = '';
    const res = await app.post(
      SERVICE_URL_PATH,
      { ...hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: adaFullPrefetch() }), fhirAuthorization: { access_token: 'secret-access-token' } },
      { authorization: 'Bearer secret-bearer-token' },
    );
    expect(res.status).toBe(200);
    expect(logged).toContain('order-sign answered');
    for (const secret of ['secret-access-token', 'secret-bearer-token', ADA, 'Ada', 'M46.1']) expect(logged).not.toContain(secret);
  });
});
