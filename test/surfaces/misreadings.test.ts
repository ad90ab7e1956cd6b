// Every misreading an outside review found (test/cases: cases marked `misreading`) through the two
// front ends besides the engine: the command line (its own argument parsing and file reading, then
// --json) and the CDS Hooks order-sign service over real HTTP (prefetch, cards, the
// medical-necessity extension). Each must give the outcome and policy the case expects.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { run } from '../../cli/evaluate';
import { PREFETCH_TEMPLATES } from '../../cds-hooks/prefetch';
import { REPO_ROOT } from '../../server/policy-files';
import { hookRequest, SERVICE_URL_PATH, startApp, type TestApp } from '../cds-hooks/harness';
import { loadCaseFiles, type Case } from '../support/cases';
import { loadPersona, mutate, resourcesOf } from '../support/fixtures';

const TODAY = '2026-12-01';
const misreadings = loadCaseFiles().flatMap(([file, cf]) => cf.cases.filter((c) => c.misreading).map((c) => ({ file, c })));
const dir = mkdtempSync(join(tmpdir(), 'misreadings-'));

function bundleFile(c: Case, i: number): { path: string; resources: Resource[] } {
  const resources = mutate(resourcesOf(loadPersona(c.fixture)), c.mutations) as unknown as Resource[];
  const path = join(dir, `case-${i}.json`);
  writeFileSync(path, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }));
  return { path, resources };
}

const apps = new Map<string, TestApp>();
async function appFor(today: string): Promise<TestApp> {
  let app = apps.get(today);
  if (!app) apps.set(today, (app = await startApp({ deps: { now: () => new Date(`${today}T12:00:00Z`) } })));
  return app;
}

beforeAll(() => {
  expect(misreadings.length).toBeGreaterThanOrEqual(16);
});
afterAll(async () => {
  for (const app of apps.values()) await app.close();
});

describe('every misreading, through the CLI and through order-sign', () => {
  misreadings.forEach(({ file, c }, i) => {
    it(`${file}: ${c.name}`, async () => {
      const { path, resources } = bundleFile(c, i);
      const today = c.today ?? TODAY;
      const args = [path, '--json', '--today', today, ...(c.asOf ? ['--as-of', c.asOf] : []), ...(c.orders?.length ? ['--order', c.orders.join(',')] : [])];
      const cli = run(args, () => {});
      for (const e of c.expect) {
        const d = cli.find((x) => x.order.code.code === e.code);
        expect(d?.outcome, `CLI ${e.code}`).toBe(e.outcome);
        if (e.policy) expect(d?.policy.id, `CLI ${e.code} policy`).toBe(e.policy);
      }

      const patientId = resources.find((r) => r.resourceType === 'Patient')!.id!;
      const drafts = resources.filter(
        (r) => (r.resourceType === 'ServiceRequest' || r.resourceType === 'MedicationRequest') && (r as { status?: string }).status === 'draft' && cli.some((d) => d.order.reference === `${r.resourceType}/${r.id}`),
      );
      const empty = { resourceType: 'Bundle', type: 'searchset', entry: [] };
      const prefetch = {
        ...Object.fromEntries(Object.keys(PREFETCH_TEMPLATES).map((k) => [k, empty])),
        patient: resources.find((r) => r.resourceType === 'Patient'),
        record: { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) },
      };
      const app = await appFor(today);
      const res = await app.post(SERVICE_URL_PATH, hookRequest({ patientId, orders: drafts, prefetch }));
      expect(res.status).toBe(200);
      for (const e of c.expect) {
        const card = (res.body.cards as { extension: Record<string, { code: { code: string }; outcome: string; policy: { id: string } }> }[]).find(
          (k) => k.extension['medical-necessity']!.code.code === e.code,
        );
        expect(card?.extension['medical-necessity']!.outcome, `order-sign ${e.code}`).toBe(e.outcome);
        if (e.policy) expect(card?.extension['medical-necessity']!.policy.id, `order-sign ${e.code} policy`).toBe(e.policy);
      }
    });
  });

  it('the command line, run as a process, agrees on one of them', async () => {
    const { c } = misreadings.find(({ c }) => c.reading === 'codes-before-words')!;
    const { path } = bundleFile(c, 999);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli/evaluate.ts'), path, '--json', '--today', TODAY], { cwd: REPO_ROOT });
    expect(JSON.parse(stdout).map((d: { outcome: string }) => d.outcome)).toEqual(c.expect.map((e) => e.outcome));
  });
});
