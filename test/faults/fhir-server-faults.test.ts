// Fault tests against real processes: the EHR's FHIR server runs as its own process and misbehaves
// (slow pages, 500s, garbage, endless next links, no answer at all, or not running). The service must
// answer within its deadline with indeterminate cards that say why, assert no coverage on the
// payer's behalf (no determination was made, so no payer policy is known to govern), and keep serving.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdsResponseProblems, expectValid } from '../cds-hooks/contract';
import { adaFullPrefetch, adaOrders, ADA } from '../cds-hooks/patients';
import { hookRequest, REPO_ROOT, SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';
import { parseConfig } from '../../server/config';

async function misbehaving(mode: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test/faults/misbehaving-fhir-server.mjs'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/fhir`, child };
}

/** Technical trouble: indeterminate cards that name the trouble, and no CRD coverage information. */
function expectIndeterminateWithoutCoverage(body: any) {
  expect(body.cards.map((c: any) => c.extension['medical-necessity'].outcome)).toEqual(['indeterminate', 'indeterminate']);
  for (const c of body.cards) {
    expect(c.detail).toMatch(/could not read the patient's record/);
    expect(c.source.label).not.toMatch(/Medicare|CGS|Aetna|Centene/);
  }
  expect(body.systemActions).toBeUndefined();
}

describe('when the EHR\'s FHIR server misbehaves (a separate process)', () => {
  const DEADLINE = 4000; // the default
  let app: TestApp;
  const children: ChildProcess[] = [];
  const urls = new Map<string, string>();
  beforeAll(async () => {
    for (const mode of ['slow', 'error', 'garbage', 'endless', 'hang', 'down']) {
      const s = await misbehaving(mode === 'down' ? 'error' : mode);
      urls.set(mode, s.url);
      if (mode === 'down') {
        s.child.kill('SIGKILL');
        await once(s.child, 'exit');
      } else children.push(s.child);
    }
    app = await startApp({ env: { FHIR_SERVER_ALLOWLIST: [...urls.values()].map((u) => new URL(u).origin).join(',') } });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await app.close();
  });

  it('the deadline defaults to 4 s and is configurable', () => {
    expect(parseConfig({}).fhirDeadlineMs).toBe(4000);
    expect(parseConfig({ FHIR_DEADLINE_MS: '1500' }).fhirDeadlineMs).toBe(1500);
  });

  const cases: [string, string][] = [
    ['slow', 'answers each page after 3 s'],
    ['error', 'answers 500'],
    ['garbage', 'answers with HTML instead of FHIR'],
    ['endless', 'sends next links forever'],
    ['hang', 'accepts the connection and never answers'],
    ['down', 'is not running'],
  ];
  for (const [mode, what] of cases) {
    it(`when it ${what}, the answer comes within the deadline: indeterminate cards that say why and no coverage information; then the service still serves`, async () => {
      const url = urls.get(mode)!;
      const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: url, accessToken: 'tok' }));
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(DEADLINE + 1500);
      expectValid(cdsResponseProblems(res.body));
      expectIndeterminateWithoutCoverage(res.body);

      const good = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: adaFullPrefetch() }));
      expect(good.status).toBe(200);
      expect(good.body.cards.length).toBe(2);
    }, 20_000);
  }
});

describe('the fallback read is bounded (a separate misbehaving process)', () => {
  const LIMITS = { FHIR_MAX_RESPONSE_BYTES: String(2 * 1024 * 1024), FHIR_MAX_CALL_BYTES: String(4 * 1024 * 1024), FHIR_MAX_REQUESTS: '30' };
  let app: TestApp;
  const servers = new Map<string, { url: string; child: ChildProcess }>();
  beforeAll(async () => {
    for (const mode of ['endless-body', 'huge-page', 'endless']) servers.set(mode, await misbehaving(mode));
    app = await startApp({ env: { ...LIMITS, FHIR_SERVER_ALLOWLIST: [...servers.values()].map((s) => new URL(s.url).origin).join(',') } });
  });
  afterAll(async () => {
    for (const s of servers.values()) s.child.kill('SIGKILL');
    await app.close();
  });
  const stats = async (mode: string) => (await fetch(`${new URL(servers.get(mode)!.url).origin}/__stats`)).json() as Promise<{ requests: number; bytes: number }>;
  const outcomes = (body: any) => body.cards.map((c: any) => c.extension['medical-necessity'].outcome);

  it('an endless body is read only up to the per-call byte cap: indeterminate without coverage information, and memory stays bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: servers.get('endless-body')!.url }));
    clearInterval(sampler);
    expect(res.status).toBe(200);
    expectIndeterminateWithoutCoverage(res.body);
    expect(res.body.cards[0].detail).toMatch(/larger than/);
    // The server writes as fast as the sockets take it: the cap, plus what loopback buffers hold for
    // ten connections. Unbounded, it was gigabytes within the deadline.
    const sent = (await stats('endless-body')).bytes;
    expect(sent).toBeLessThan(128 * 1024 * 1024);
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);
  }, 30_000);

  it('a page larger than the per-response cap is refused from its Content-Length: indeterminate/technical', async () => {
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: servers.get('huge-page')!.url }));
    expect(res.status).toBe(200);
    expect(outcomes(res.body)).toEqual(['indeterminate', 'indeterminate']);
    expect(res.body.cards[0].detail).toMatch(/larger than 2097152 bytes/);
  }, 30_000);

  it('endless same-origin next links stop at the per-call request cap, not 100 pages for each missing key', async () => {
    const before = (await stats('endless')).requests;
    const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: servers.get('endless')!.url }));
    expect(res.status).toBe(200);
    expect(outcomes(res.body)).toEqual(['indeterminate', 'indeterminate']);
    const made = (await stats('endless')).requests - before;
    expect(made).toBeLessThanOrEqual(30 + 10); // the cap, plus requests already in flight for the other keys
  }, 30_000);
});
