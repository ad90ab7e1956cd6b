// Evaluation inside the hook's deadline: the engine runs in worker threads that the pool stops when
// time runs out. Once the fetch had used the budget, the evaluation ran on unbounded (7 s on a loaded
// machine for a 20k-resource page); now an evaluation that would overrun ends in an indeterminate card
// with reason technical, and the pool serves the next call.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnginePool, type EnginePool } from '../../server/engine-pool';
import { startFhirServer } from '../../sandbox/fhir-server';
import { hookRequest, realEngine, SERVICE_URL_PATH, startApp } from '../cds-hooks/harness';
import { ADA, adaOrders, adaRecord } from '../cds-hooks/patients';
import { loadPersona, resourcesOf } from '../support/fixtures';

const SLOW = path.join(import.meta.dirname, 'slow-evaluate.ts');

describe('the engine pool', () => {
  let real: EnginePool;
  let slow: EnginePool;
  beforeAll(() => {
    real = createEnginePool();
    slow = createEnginePool({ workerData: { evaluateModule: SLOW } });
  });
  afterAll(async () => {
    await real.close();
    await slow.close();
  });

  it('gives exactly the determinations the engine gives in-process', async () => {
    for (const name of ['seed000-neurectomy-aetna', 'met-aetna-27096', 'seed002-rfa-medicare-tx']) {
      const resources = resourcesOf(loadPersona(name)) as never[];
      const orders = resources.filter((r: any) => r.resourceType === 'ServiceRequest' && ['draft', 'active'].includes(r.status));
      const inline = realEngine().evaluate(resources, { orders });
      expect(inline.length).toBeGreaterThan(0);
      expect(await real.evaluateWithin(resources, { orders }, 60_000)).toEqual(JSON.parse(JSON.stringify(inline)));
    }
  });

  it('stops an evaluation that overruns its time, then serves the next one', async () => {
    expect(await slow.evaluateWithin([], { orders: [1], asOf: '1900-01-01' }, 300)).toBeUndefined();
    expect(await slow.evaluateWithin([], { orders: [1, 2] }, 30_000)).toEqual([{ answered: 2 }]);
  });

  it('does not start an evaluation whose time is already up', async () => {
    expect(await real.evaluateWithin([], { orders: [] }, 0)).toBeUndefined();
  });
});

describe('order-sign with a fetched record', () => {
  it('answers within the deadline with indeterminate/technical when the evaluation would overrun it, and keeps serving', async () => {
    const fhir = await startFhirServer({ bundles: [adaRecord] });
    const pool = createEnginePool({ workerData: { evaluateModule: SLOW } });
    const app = await startApp({
      env: { FHIR_SERVER_ALLOWLIST: new URL(fhir.url).origin, FHIR_DEADLINE_MS: '1500' },
      engine: { ...realEngine(), evaluateWithin: (resources, options, ms) => pool.evaluateWithin(resources, { ...options, asOf: '1900-01-01' }, ms) },
    });
    try {
      const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: fhir.url }));
      expect(res.status).toBe(200);
      expect(res.body.cards.map((c: any) => c.extension['medical-necessity'].outcome)).toEqual(['indeterminate', 'indeterminate']);
      expect(res.body.cards[0].detail).toMatch(/within the time allowed/);
      // Generous slack for a loaded machine; without the pool the evaluation was not bounded at all.
      expect(res.ms).toBeLessThan(1500 + 4000);
      const again = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: fhir.url }));
      expect(again.status).toBe(200);
    } finally {
      await app.close();
      await pool.close();
      await fhir.close();
    }
  }, 60_000);
});
