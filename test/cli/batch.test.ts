// Batch review of a Bulk Data export: every patient grouped across per-type files, whatever the
// partitioning, with the same determinations as evaluating each record on its own.
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { determine } from '../../criteria';
import { reviewBulkExport, patientOf, progressBar, summaryTable } from '../../cli/batch';
import { cloneRecord, generateExport } from '../../cli/generate-export';
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

  it('finds the patient of a resource through subject, patient or beneficiary', () => {
    expect(patientOf({ resourceType: 'Patient', id: 'p1' })).toBe('p1');
    expect(patientOf({ resourceType: 'Condition', subject: { reference: 'Patient/p2' } })).toBe('p2');
    expect(patientOf({ resourceType: 'Coverage', beneficiary: { reference: 'Patient/p3' } })).toBe('p3');
    expect(patientOf({ resourceType: 'Organization', id: 'o' })).toBeUndefined();
  });

  it('prints a progress bar and a summary table', () => {
    expect(progressBar({ phase: 'evaluate', done: 1, total: 4 }, 8)).toBe('reviewing [##......] 25%');
    const table = summaryTable({ patients: 3, orders: 4, byOutcome: { 'not-medically-necessary': 1, 'criteria-not-met': 1, 'documentation-needed': 1, 'criteria-met': 1 }, byPolicy: { 'Aetna CPB 0016': 4 }, skippedLines: 0, seconds: 1 });
    expect(table).toMatch(/patients\s+3/);
    expect(table).toMatch(/under Aetna CPB 0016\s+4/);
  });

  it('a folder with no .ndjson files is an error, not an empty success', async () => {
    await expect(reviewBulkExport({ dir: mkdtempSync(join(tmpdir(), 'empty-')), out: new PassThrough() })).rejects.toThrow(/no \.ndjson files/);
  });
});
