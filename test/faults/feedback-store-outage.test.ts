// A feedback store that goes down loses nothing silently: while PostgreSQL is stopped the client gets
// a 503 OperationOutcome saying nothing was stored (and order-sign still answers); once it is back,
// the same feedback is accepted and stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackStore } from '../../cds-hooks/open-feedback-store';
import { startPgCluster, type PgCluster } from '../cds-hooks/postgres-cluster';
import { adaFullPrefetch, adaOrders, ADA } from '../cds-hooks/patients';
import { hookRequest, SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';

let pg: PgCluster;
let app: TestApp;
beforeAll(async () => {
  pg = await startPgCluster();
  app = await startApp({ store: await createFeedbackStore({ databaseUrl: pg.url, sqlitePath: ':memory:' }) });
}, 60_000);
afterAll(async () => {
  await app.close();
  pg.stop();
});

describe('feedback store outage (real PostgreSQL, stopped and started)', () => {
  it('refuses feedback with a 503 while the store is down, keeps answering order-sign, and stores the retried feedback after recovery', async () => {
    const signed = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: adaFullPrefetch() }));
    const card = signed.body.cards[0].uuid as string;
    const feedback = { feedback: [{ card, outcome: 'overridden', overrideReason: { userComment: 'documented elsewhere' }, outcomeTimestamp: '2026-11-21T10:00:00Z' }] };

    pg.pause();
    const refused = await app.post(`${SERVICE_URL_PATH}/feedback`, feedback);
    expect(refused.status).toBe(503);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.text).toContain('no feedback was stored');
    expect(refused.text).not.toMatch(/ECONNREFUSED|at .*\.ts/);
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(503);
    const duringOutage = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: adaFullPrefetch() }));
    expect(duringOutage.status).toBe(200);
    expect(duringOutage.body.cards.length).toBe(2);

    pg.resume();
    const accepted = await app.post(`${SERVICE_URL_PATH}/feedback`, feedback);
    expect(accepted.status).toBe(200);
    const stored = await app.store.feedbackFor(card);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.outcome).toBe('overridden');
  }, 60_000);
});
