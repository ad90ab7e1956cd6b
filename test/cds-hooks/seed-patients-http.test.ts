// The seed patients (test/fixtures/patients) through the real service: signing each patient's draft
// orders returns the seed's outcome on the card (and in CRD coverage information where a payer's policy governs), and the
// prefetch path and the fallback path (fetching from a real local FHIR server) give the same cards.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { startFhirServer } from '../../sandbox/fhir-server';
import { PREFETCH_TEMPLATES, replacePrefetchTokens } from '../../cds-hooks/prefetch';
import { compact } from '../../cds-hooks/cards';
import { devNoteIn } from '../support/dev-notes';
import { cdsResponseProblems, expectValid } from './contract';
import { comparable, hookRequest, REPO_ROOT, SERVICE_URL_PATH, startApp, type TestApp } from './harness';

const DIR = path.join(REPO_ROOT, 'test/fixtures/patients');
const fixtures = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, bundle: JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Bundle }))
  .filter(({ bundle }) => bundle.resourceType === 'Bundle');

/**
 * The seeds' outcomes, from test/fixtures/patients/README.md. `covered` is the CRD assertion, made
 * only where the payer's own policy governs a real Coverage: Aetna CPB 0016 for seed 000. Seed 002
 * (Medicare in Texas, where no LCD governs) and seed 004 (no payer known) are judged on the product's
 * evidence pathway, so no coverage information speaks for a payer.
 */
const EXPECTED: Record<string, { outcome: string; covered: string | null }> = {
  'seed000-neurectomy-aetna.json': { outcome: 'not-medically-necessary', covered: 'not-covered' },
  'seed002-rfa-medicare-tx.json': { outcome: 'not-medically-necessary', covered: null },
  'seed004-coccyx-unknown-payer.json': { outcome: 'criteria-not-met', covered: null },
};

let fhir: Awaited<ReturnType<typeof startFhirServer>>;
let app: TestApp;

function patientOf(bundle: Bundle): string {
  return bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;
}
function draftOrdersOf(bundle: Bundle): Resource[] {
  return bundle
    .entry!.map((e) => e.resource!)
    .filter((r) => (r.resourceType === 'ServiceRequest' || r.resourceType === 'MedicationRequest') && (r as { status?: string }).status === 'draft');
}
async function prefetchFor(patientId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(PREFETCH_TEMPLATES)) {
    const query = replacePrefetchTokens(template, { patientId })!;
    out[key] = await (await fetch(`${fhir.url}/${query}${query.includes('?') ? '&' : '?'}_count=1000`)).json();
  }
  return out;
}

beforeAll(async () => {
  fhir = await startFhirServer({ bundles: fixtures.map((f) => f.bundle) });
  app = await startApp({ env: { FHIR_SERVER_ALLOWLIST: new URL(fhir.url).origin } });
});
afterAll(async () => {
  await app.close();
  await fhir.close();
});

describe('seed patients through order-sign', () => {
  it('has the seed fixtures to run', () => {
    for (const file of Object.keys(EXPECTED)) expect(fixtures.map((f) => f.file)).toContain(file);
  });

  for (const { file, bundle } of fixtures) {
    const expected = EXPECTED[file];
    const title = expected
      ? `${file}: signing its orders gives ${expected.outcome} on every card and ${expected.covered ? `covered=${expected.covered}` : 'no coverage information'}, by prefetch and by fallback alike`
      : `${file}: the prefetch path and the fallback path give the same cards`;
    it(title, async () => {
      const patientId = patientOf(bundle);
      const orders = draftOrdersOf(bundle);
      const viaPrefetch = await app.post(SERVICE_URL_PATH, hookRequest({ patientId, orders, prefetch: await prefetchFor(patientId) }));
      const viaFallback = await app.post(SERVICE_URL_PATH, hookRequest({ patientId, orders, fhirServer: fhir.url, accessToken: 'sandbox' }));
      for (const res of [viaPrefetch, viaFallback]) {
        expect(res.status).toBe(200);
        expectValid(cdsResponseProblems(res.body));
        expect(res.body.cards.length).toBeGreaterThan(0);
      }
      expect(comparable(viaFallback.body)).toEqual(comparable(viaPrefetch.body));
      // Cards cite published sources or the product's own documents, never the team's development notes.
      expect(devNoteIn(JSON.stringify(viaPrefetch.body))).toBeUndefined();
      if (expected) {
        for (const card of viaPrefetch.body.cards) expect(card.extension['medical-necessity'].outcome).toBe(expected.outcome);
        // The card's machine-readable determination carries the same fields and values as `npm run evaluate -- --json`.
        const text = execFileSync(process.execPath, ['--import', 'tsx', 'cli/evaluate.ts', path.join(DIR, file)], { cwd: REPO_ROOT, encoding: 'utf8' });
        expect(devNoteIn(text)).toBeUndefined();
        const cli = JSON.parse(
          execFileSync(process.execPath, ['--import', 'tsx', 'cli/evaluate.ts', path.join(DIR, file), '--json'], { cwd: REPO_ROOT, encoding: 'utf8' }),
        ) as { order: { reference: string }; code: unknown; outcome: string; policy: unknown; coverage?: unknown; criteria: unknown }[];
        expect(cli.length).toBe(viaPrefetch.body.cards.length);
        for (const card of viaPrefetch.body.cards) {
          const ext = card.extension['medical-necessity'];
          const d = cli.find((x) => x.order.reference === ext.order.reference)!;
          expect(ext).toEqual(compact({ order: d.order, code: d.code, outcome: d.outcome, policy: d.policy, coverage: d.coverage, criteria: d.criteria }));
          expect(card.detail.length).toBeLessThanOrEqual(1200);
        }
        if (expected.covered === null) {
          expect(viaPrefetch.body.systemActions).toBeUndefined();
          for (const card of viaPrefetch.body.cards) expect(card.source.label).toMatch(/no payer policy found/);
        } else {
          expect(viaPrefetch.body.systemActions.length).toBe(viaPrefetch.body.cards.length);
          for (const action of viaPrefetch.body.systemActions) {
            const ext = action.resource.extension.find((e: any) => e.url.endsWith('ext-coverage-information')).extension;
            expect(ext.find((e: any) => e.url === 'covered').valueCode).toBe(expected.covered);
          }
        }
      }
    });
  }
});
