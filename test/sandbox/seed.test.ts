// `npm run seed`: loads the fixture patients into a real FHIR server (the sandbox server, in-process on
// port 0) as PUT-by-id transactions, idempotently, and fails with clear messages and exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, seed, toTransaction } from '../../cli/seed';
import { startFhirServer } from '../../sandbox/fhir-server';

let fhir: Awaited<ReturnType<typeof startFhirServer>>;

beforeAll(async () => {
  fhir = await startFhirServer();
}, 60_000);

afterAll(async () => {
  await fhir?.close();
});

describe('npm run seed', () => {
  it('loads every fixture patient, so the seed 000 patient and order are readable by id; a second run changes nothing', async () => {
    const lines: string[] = [];
    expect(await seed({ fhir: fhir.url, log: (l) => lines.push(l) })).toBe(EXIT.ok);
    expect(lines.at(-1)).toMatch(/^all \d+ files loaded/);
    const order = (await (await fetch(`${fhir.url}/ServiceRequest/seed000-order-1`)).json()) as { subject?: { reference?: string } };
    expect(order.subject?.reference).toBe('Patient/seed000-patient');
    expect(await seed({ fhir: fhir.url, log: () => {} })).toBe(EXIT.ok);
    const bundle = (await (await fetch(`${fhir.url}/Patient?_id=seed000-patient`)).json()) as { total?: number };
    expect(bundle.total).toBe(1);
  });

  it('turns urn:uuid entries into PUTs by id and rewrites the references to them', () => {
    const tx = toTransaction({
      file: 'x.json',
      bundle: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient' } },
          { fullUrl: 'urn:uuid:c1', resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:p1' } } as never },
        ],
      },
    });
    expect(tx.entry?.map((e) => e.request?.url)).toEqual(['Patient/p1', 'Condition/c1']);
    expect((tx.entry?.[1]?.resource as { subject?: { reference?: string } }).subject?.reference).toBe('Patient/p1');
  });

  it('exits 2 naming the file when a fixture is not valid JSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    writeFileSync(path.join(dir, 'broken.json'), '{ nope');
    const lines: string[] = [];
    expect(await seed({ fhir: fhir.url, dirs: [dir], log: (l) => lines.push(l) })).toBe(EXIT.fixture);
    expect(lines.join('\n')).toMatch(/broken\.json: not valid JSON/);
  });

  it('exits 3 with a hint when the server cannot be reached', async () => {
    const lines: string[] = [];
    expect(await seed({ fhir: 'http://127.0.0.1:1/fhir', log: (l) => lines.push(l) })).toBe(EXIT.server);
    expect(lines.join('\n')).toMatch(/could not reach .*Is the server running/);
  });
});
