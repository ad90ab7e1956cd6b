// The sandbox FHIR server over real HTTP on loopback: search, paging, includes, transactions, errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import fs from 'node:fs';
import path from 'node:path';
import { startFhirServer } from '../../sandbox/fhir-server';
import { REPO_ROOT } from '../../server/policy-files';

const patientId = 'fx-pt';
const conditions = Array.from({ length: 7 }, (_, i) => ({
  resourceType: 'Condition' as const,
  id: `fx-cond-${i}`,
  subject: { reference: `Patient/${patientId}` },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M46.1' }] },
}));
const fixture: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { resource: { resourceType: 'Patient', id: patientId, name: [{ family: 'Fixture' }] } },
    { resource: { resourceType: 'Patient', id: 'other-pt' } },
    { resource: { resourceType: 'Organization', id: 'fx-payer', name: 'Aetna' } },
    {
      resource: {
        resourceType: 'Coverage',
        id: 'fx-cov',
        status: 'active',
        beneficiary: { reference: `Patient/${patientId}` },
        payor: [{ reference: 'Organization/fx-payer' }],
      },
    },
    { resource: { resourceType: 'Condition', id: 'other-cond', subject: { reference: 'Patient/other-pt' } } },
    ...conditions.map((resource) => ({ resource })),
  ],
};

let server: Awaited<ReturnType<typeof startFhirServer>>;
beforeAll(async () => {
  server = await startFhirServer({ bundles: [fixture] });
});
afterAll(async () => {
  await server.close();
});

async function get(url: string): Promise<{ status: number; type: string | null; body: any }> {
  const res = await fetch(url.startsWith('http') ? url : `${server.url}/${url}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}
const ids = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe('sandbox FHIR server', () => {
  it('serves a loaded fixture under its own id, as application/fhir+json', async () => {
    const { status, type, body } = await get(`Patient/${patientId}`);
    expect(status).toBe(200);
    expect(type).toMatch(/application\/fhir\+json/);
    expect(body).toMatchObject({ resourceType: 'Patient', id: patientId });
  });

  it('answers 404 with an OperationOutcome for an unknown id', async () => {
    const { status, body } = await get('Patient/no-such-patient');
    expect(status).toBe(404);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('finds a patient\'s conditions by bare id and by reference, and no one else\'s', async () => {
    const bare = await get(`Condition?patient=${patientId}&_count=100`);
    const typed = await get(`Condition?patient=Patient/${patientId}&_count=100`);
    expect(bare.body.total).toBe(7);
    expect(ids(bare.body).sort()).toEqual(ids(typed.body).sort());
    expect(ids(bare.body)).not.toContain('Condition/other-cond');
  });

  it('pages with _count and absolute next links that reach every match exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${server.url}/Condition?patient=${patientId}&_count=3`;
    let pages = 0;
    while (url) {
      const { body } = await get(url);
      seen.push(...ids(body));
      url = body.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
      if (url) expect(url.startsWith(server.url)).toBe(true);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(conditions.map((c) => `Condition/${c.id}`).sort());
  });

  it('includes the Coverage payor Organization with _include, marked as include', async () => {
    const { body } = await get(`Coverage?patient=${patientId}&status=active&_include=Coverage:payor`);
    expect(ids(body)).toEqual(['Coverage/fx-cov', 'Organization/fx-payer']);
    expect(body.entry[1].search.mode).toBe('include');
  });

  it('loads a transaction bundle posted to the base and reads its resources back', async () => {
    const transaction: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'ServiceRequest', id: 'tx-sr', status: 'draft', intent: 'order', subject: { reference: `Patient/${patientId}` } },
          request: { method: 'PUT', url: 'ServiceRequest/tx-sr' },
        },
      ],
    };
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(transaction),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).type).toBe('transaction-response');
    const { body } = await get(`ServiceRequest?patient=${patientId}&status=draft,active`);
    expect(ids(body)).toEqual(['ServiceRequest/tx-sr']);
  });

  it('creates with POST and updates with PUT', async () => {
    const created = await fetch(`${server.url}/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'pain' } }),
    });
    expect(created.status).toBe(201);
    const obs = (await created.json()) as Resource;
    const updated = await fetch(`${server.url}/Observation/${obs.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...obs, status: 'amended' }),
    });
    expect(updated.status).toBe(200);
    expect((await get(`Observation/${obs.id}`)).body.status).toBe('amended');
  });

  it('answers GET /metadata with an R4 CapabilityStatement', async () => {
    const { status, body } = await get('metadata');
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });

  it('rejects a body that is not JSON with a 400 OperationOutcome', async () => {
    const res = await fetch(`${server.url}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });
});

describe('compartment search fast path', () => {
  it('finds exactly what Medplum\'s own search finds, for every fixture patient and resource type', async () => {
    const dir = path.join(REPO_ROOT, 'test/fixtures/patients');
    const bundles = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Bundle);
    const fast = await startFhirServer({ bundles });
    const plain = await startFhirServer({ bundles, fastCompartmentSearch: false });
    try {
      const patients = bundles.flatMap((b) => b.entry!.filter((e) => e.resource?.resourceType === 'Patient').map((e) => e.resource!.id!));
      let compared = 0;
      for (const id of patients) {
        for (const query of [
          `Condition?patient=${id}`,
          `Observation?subject=Patient/${id}&_count=5`,
          `Procedure?patient=${id}&status=completed`,
          `ServiceRequest?patient=${id}&status=draft,active`,
          `Coverage?patient=${id}&status=active`,
          `MedicationRequest?patient=${id}`,
          `Encounter?patient=${id}`,
        ]) {
          const ids = async (base: string) => {
            const b = (await (await fetch(`${base}/${query}`)).json()) as Bundle;
            return { total: b.total, ids: (b.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort() };
          };
          expect(await ids(fast.url), query).toEqual(await ids(plain.url));
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(50);
    } finally {
      await fast.close();
      await plain.close();
    }
  });
});

describe('POST [type]/_search', () => {
  // The CDS Hooks sandbox (a real client) fetches its prefetch with POST _search. The server once
  // ignored a POST search's parameters and returned every patient's resources.
  it('has GET\'s semantics, with a form body and with query parameters, for every parameter the prefetch templates use', async () => {
    const dir = path.join(REPO_ROOT, 'test/fixtures/patients');
    const bundles = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Bundle);
    const s = await startFhirServer({ bundles });
    try {
      const { PREFETCH_TEMPLATES } = await import('../../cds-hooks/prefetch');
      const searches = Object.values(PREFETCH_TEMPLATES).filter((t) => t.includes('?'));
      let compared = 0;
      let nonEmpty = 0;
      for (const id of ['seed000-patient', 'seed002-patient', 'met27096oh-patient']) {
        for (const template of searches) {
          const [type, query] = template.replace('{{context.patientId}}', id).split('?') as [string, string];
          const result = async (res: Response) => {
            const b = (await res.json()) as Bundle;
            return { total: b.total, ids: (b.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort() };
          };
          const viaGet = await result(await fetch(`${s.url}/${type}?${query}`));
          const viaForm = await result(await fetch(`${s.url}/${type}/_search`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query }));
          const viaQuery = await result(await fetch(`${s.url}/${type}/_search?${query}`, { method: 'POST' }));
          expect(viaForm, `${type}?${query}`).toEqual(viaGet);
          expect(viaQuery, `${type}?${query}`).toEqual(viaGet);
          expect(viaGet.ids.every((i) => i.startsWith('Organization/') || bundles.some((b) => b.entry!.some((e) => `${e.resource!.resourceType}/${e.resource!.id}` === i && JSON.stringify(e.resource).includes(id) )))).toBe(true);
          compared++;
          if (viaGet.ids.length > 0) nonEmpty++;
        }
      }
      expect(compared).toBe(3 * searches.length);
      expect(nonEmpty).toBeGreaterThan(compared / 2); // the comparisons are of real results, not empty pages
    } finally {
      await s.close();
    }
  });
});
