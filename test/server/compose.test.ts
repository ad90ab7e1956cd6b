// The composition root decides what the sandbox brings: its CDS client issuer is trusted and its FHIR
// origin allowed only while it runs. Both once held in production mode too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { createSandbox } from '../../sandbox/index';
import { compose } from '../../server/compose';
import { parseConfig } from '../../server/config';
import { hookRequest, SERVICE_URL_PATH } from '../cds-hooks/harness';
import { ADA, adaOrders } from '../cds-hooks/patients';

async function serve(env: Record<string, string>) {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ PUBLIC_BASE_URL: base, FEEDBACK_DB_PATH: path.join(mkdtempSync(path.join(os.tmpdir(), 'sij-compose-')), 'f.db'), ...env });
  const composed = await compose(config, createLogger({ level: 'silent' }));
  server.on('request', composed.app);
  return {
    base,
    composed,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await composed.close();
    },
  };
}

const sign = (base: string, jwt: string, body: unknown) =>
  fetch(`${base}${SERVICE_URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify(body) });

describe('what the sandbox brings, and only while it runs', () => {
  it('with the sandbox on, its EHR\'s signed order-sign calls are trusted; with SANDBOX=off the same identity is refused', async () => {
    const on = await serve({ SANDBOX: 'on' });
    try {
      const jwt = await on.composed.sandbox!.auth.signCdsClientJwt(`${on.base}${SERVICE_URL_PATH}`);
      expect((await sign(on.base, jwt, hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] }))).status).toBe(200);
    } finally {
      await on.close();
    }
    const off = await serve({ SANDBOX: 'off' });
    try {
      expect(off.composed.sandbox).toBeUndefined();
      // A sandbox identity made for this very URL, as an attacker with the sandbox's code could.
      const impostor = await createSandbox({ publicBaseUrl: off.base });
      const jwt = await impostor.auth.signCdsClientJwt(`${off.base}${SERVICE_URL_PATH}`);
      expect((await sign(off.base, jwt, hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] }))).status).toBe(401);
    } finally {
      await off.close();
    }
  }, 60_000);

  it('binds to loopback by default while the sandbox runs, to every interface in production mode', () => {
    expect(parseConfig({}).host).toBe('127.0.0.1');
    expect(parseConfig({ SANDBOX: 'off' }).host).toBe('0.0.0.0');
    expect(parseConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
