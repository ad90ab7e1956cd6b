// Batch review of a Bulk Data export: every patient grouped across per-type files, whatever the
// partitioning, with the same determinations as evaluating each record on its own.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { determine, isolatePatient } from '../../criteria';
import { reviewBulkExport, patientOf, progressBar, summaryTable } from '../../cli/batch';
import { cloneRecord, generateExport } from '../../cli/generate-export';
import { sharedClosure, sharedRefs } from '../../cli/shared-index';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadPersona, personaNames, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();

describe('batch review of Bulk Data NDJSON', () => {
  it('groups by patient across files and partitions, and matches per-record evaluation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulk-'));
    const n = personaNames().length * 2 + 3;
    await generateExport({ patients: n, out: dir, mode: 'clones' });
    appendFileSync(join(dir, 'Observation.ndjson'), 'not json\n{"resourceType":"Observation","id":"orphan"}\n');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c) => chunks.push(String(c)));
    const progress: string[] = [];
    const summary = await reviewBulkExport({ dir, out, partitionBytes: 20_000, onProgress: (p) => progress.push(p.phase) });
    const rows = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as { patient: string; order: { reference: string }; outcome: string });

    expect(summary.patients).toBe(n);
    expect(summary.skippedLines).toBe(2);
    expect(rows.length).toBe(summary.orders);
    expect(progress).toContain('evaluate');

    // The clone of persona 0 (suffix -g0) gets exactly the determinations its original gets.
    const first = personaNames()[0]!;
    const expected = determine(library, cloneRecord(resourcesOf(loadPersona(first)) as never, '-g0').concat(resourcesOf(loadPersona(first)).filter((r) => r.resourceType === 'Organization') as never));
    const got = rows.filter((r) => r.order.reference.endsWith('-g0'));
    expect(got.map((r) => r.outcome)).toEqual(expected.map((d) => d.outcome));
    expect(Object.values(summary.byOutcome).reduce((a, b) => a + b, 0)).toBe(summary.orders);
  });

  it('decides each patient only from its own resources and the shared ones they name, as isolatePatient does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulk-foreign-'));
    await generateExport({ patients: 40, out: dir, seed: 5 });
    const add = (type: string, ...rs: object[]) => appendFileSync(join(dir, `${type}.ndjson`), rs.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const relief = (subject: string, procedure: string) => ({ resourceType: 'Observation', id: `x-${subject}`, status: 'final', subject: { reference: `Patient/${subject}` }, code: { text: 'Percent pain relief after block' }, partOf: [{ reference: `Procedure/${procedure}` }], valueQuantity: { value: 95, unit: '%' } });
    // Nobody's: two patients at once, or a subject that is not a patient.
    add('Condition', { resourceType: 'Condition', id: 'x-two', subject: { reference: 'Patient/rp1' }, patient: { reference: 'Patient/rp2' }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M46.1' }] } });
    add('ServiceRequest', { resourceType: 'ServiceRequest', id: 'x-group', status: 'draft', intent: 'order', subject: { reference: 'Group/g1' }, code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '27096' }] } });
    // Foreign references: rp3 names rp4's procedure (not shared: never rp3's), rp5 names rp6's payer
    // (shared: rp5 may use it), rp7 names a site through an absolute, versioned URL whose managing
    // Organization is part of another.
    add('Observation', relief('rp3', 'rp4-9'));
    add('Encounter', { resourceType: 'Encounter', id: 'x-enc5', status: 'finished', subject: { reference: 'Patient/rp5' }, serviceProvider: { reference: 'Organization/rp6-payer' } });
    add('Encounter', { resourceType: 'Encounter', id: 'x-enc7', status: 'finished', subject: { reference: 'Patient/rp7' }, location: [{ location: { reference: 'https://ehr.example/fhir/Location/x-site/_history/2' } }] });
    add('Location', { resourceType: 'Location', id: 'x-site', managingOrganization: { reference: 'Organization/x-clinic' } });
    // A patient whose payer Organization is its only shared resource: without the join, no payer policy.
    add('Patient', { resourceType: 'Patient', id: 'xp1', gender: 'female', birthDate: '1960-02-02', address: [{ state: 'NJ' }] });
    add('Coverage', { resourceType: 'Coverage', id: 'xp1-cov', status: 'active', type: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] }, beneficiary: { reference: 'Patient/xp1' }, payor: [{ reference: 'Organization/x-payer' }] });
    add('ServiceRequest', { resourceType: 'ServiceRequest', id: 'xp1-order', status: 'draft', intent: 'order', subject: { reference: 'Patient/xp1' }, authoredOn: '2025-11-17', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '27096' }] } });
    add('Organization', { resourceType: 'Organization', id: 'x-payer', name: 'Aetna', type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'ins' }] }] }, { resourceType: 'Organization', id: 'x-clinic', partOf: { reference: 'Organization/x-network' } }, { resourceType: 'Organization', id: 'x-network', name: 'Network' }, { resourceType: 'Organization', id: 'x-unnamed', name: 'Referenced by nobody' });

    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c) => chunks.push(String(c)));
    const summary = await reviewBulkExport({ dir, out, partitionBytes: 50_000 });
    expect(summary.droppedResources).toBe(2);
    expect(summary.patients).toBe(41);

    const all = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort().flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    const patients = all.filter((r) => r.resourceType === 'Patient').map((r) => r.id as string);
    const expected = patients.flatMap((p) => determine(library, isolatePatient(all, p).resources).map((d) => JSON.stringify({ patient: `Patient/${p}`, ...d })));
    const got = chunks.join('').trim().split('\n');
    expect(got.sort()).toEqual(expected.sort());
    expect(got.map((l) => JSON.parse(l) as { patient: string; policy: { shortName: string } }).find((d) => d.patient === 'Patient/xp1')?.policy.shortName).toBe('Aetna CPB 0016');
  });

  it('joins a patient to the same shared resources as isolatePatient keeps, however the references are written', () => {
    const shared: Record<string, unknown>[] = [
      { resourceType: 'Organization', id: 'o1', name: 'plain' },
      { resourceType: 'Organization', id: 'o2', name: 'absolute and versioned' },
      { resourceType: 'Practitioner', id: 'pr.1', name: [{ family: 'escaped slash' }] },
      { resourceType: 'Location', id: 'l1', managingOrganization: { reference: 'Organization/o3' } },
      { resourceType: 'Organization', id: 'o3', partOf: { reference: 'Organization/o4' } },
      { resourceType: 'Organization', id: 'o4', partOf: { reference: 'Organization/o3' } }, // a cycle
      { resourceType: 'Medication', id: 'm1', code: { text: 'in an extension' } },
      { resourceType: 'Organization', id: 'o5', name: 'named only by a non-shared type key' },
      { resourceType: 'PractitionerRole', id: 'r1', practitioner: { reference: 'Practitioner/pr.2' } },
      { resourceType: 'Practitioner', id: 'pr.2' },
      { resourceType: 'HealthcareService', id: 'h1', name: 'unreferenced' },
    ];
    const own = [
      { resourceType: 'Patient', id: 'p', managingOrganization: { reference: 'Organization/o1' } },
      { resourceType: 'Coverage', id: 'c', beneficiary: { reference: 'Patient/p' }, payor: [{ reference: 'https://x.example/fhir/Organization/o2/_history/7' }] },
      { resourceType: 'Encounter', id: 'e', subject: { reference: 'Patient/p' }, location: [{ location: { reference: 'Location/l1' } }], participant: [{ individual: { reference: 'PractitionerRole/r1' } }] },
      { resourceType: 'MedicationRequest', id: 'mr', subject: { reference: 'Patient/p' }, extension: [{ url: 'x', valueReference: { reference: 'Medication/m1' } }], note: [{ text: 'mentions "reference": "Organization/o5" in text only' }] },
    ];
    const ownLines = own.map((r) => JSON.stringify(r));
    ownLines.push(JSON.stringify({ resourceType: 'Procedure', id: 'pp', subject: { reference: 'Patient/p' }, performer: [{ actor: { reference: 'Practitioner/pr.1' } }] }).replace('Practitioner/pr.1', 'Practitioner\\/pr.1').replace('"reference":', '"reference" :  '));
    const index = new Map<string, string[]>();
    for (const r of shared) index.set(`${r.resourceType}/${r.id}`, [...(index.get(`${r.resourceType}/${r.id}`) ?? []), JSON.stringify(r)]);
    const reader = { get: (k: string) => (index.has(k) ? { lines: index.get(k)!, refs: index.get(k)!.flatMap(sharedRefs) } : undefined), close() {} };
    const joined = sharedClosure(ownLines, reader).map((l) => JSON.parse(l) as { resourceType: string; id: string });
    const kept = isolatePatient([...ownLines.map((l) => JSON.parse(l)), ...shared], 'p').resources.filter((r) => !ownLines.some((l) => JSON.parse(l).id === (r as { id: string }).id)) as { resourceType: string; id: string }[];
    const keys = (rs: { resourceType: string; id: string }[]) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();
    expect(keys(joined)).toEqual(keys(kept));
    expect(keys(joined)).toEqual(['Location/l1', 'Medication/m1', 'Organization/o1', 'Organization/o2', 'Organization/o3', 'Organization/o4', 'Practitioner/pr.1', 'Practitioner/pr.2', 'PractitionerRole/r1']);
  });

  it('finds the patient of a resource through subject, patient or beneficiary', () => {
    expect(patientOf({ resourceType: 'Patient', id: 'p1' })).toBe('p1');
    expect(patientOf({ resourceType: 'Condition', subject: { reference: 'Patient/p2' } })).toBe('p2');
    expect(patientOf({ resourceType: 'Coverage', beneficiary: { reference: 'Patient/p3' } })).toBe('p3');
    expect(patientOf({ resourceType: 'Organization', id: 'o' })).toBeUndefined();
  });

  it('prints a progress bar and a summary table', () => {
    expect(progressBar({ phase: 'evaluate', done: 1, total: 4 }, 8)).toBe('reviewing [##......] 25%');
    const table = summaryTable({ patients: 3, orders: 4, byOutcome: { 'not-medically-necessary': 1, 'criteria-not-met': 1, 'documentation-needed': 1, 'criteria-met': 1 }, byPolicy: { 'Aetna CPB 0016': 4 }, skippedLines: 0, droppedResources: 0, seconds: 1 });
    expect(table).toMatch(/patients\s+3/);
    expect(table).toMatch(/under Aetna CPB 0016\s+4/);
  });

  it('a folder with no .ndjson files is an error, not an empty success', async () => {
    await expect(reviewBulkExport({ dir: mkdtempSync(join(tmpdir(), 'empty-')), out: new PassThrough() })).rejects.toThrow(/no \.ndjson files/);
  });
});
