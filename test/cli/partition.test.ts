// Pass 1's byte ranges: however a file is cut, every line is read exactly once, by the range it
// starts in — including lines longer than a read chunk, a missing final newline and a byte-order mark.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteRanges, hash, linesInRange, ownerFromText, partitionFile, splitRanges } from '../../cli/partition';
import { ownersOf } from '../../criteria';

const dir = mkdtempSync(join(tmpdir(), 'ranges-'));
let n = 0;
const readAll = (text: string, size: number) => {
  const file = join(dir, `f${n++}.ndjson`);
  writeFileSync(file, text);
  return byteRanges([file], size).flatMap((r) => [...linesInRange(r)]);
};

describe('reading an export file in byte ranges', () => {
  it('yields every line once, in order, for any cut', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\n/g, ' ')), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (lines, size, finalNewline) => {
        const text = lines.join('\n') + (finalNewline && lines.length ? '\n' : '');
        // A final newline ends the last line; it does not start an empty one.
        const expected = text.split('\n');
        if (expected.at(-1) === '') expected.pop();
        expect(readAll(text, size)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a line longer than the 1 MB read chunk whole, and drops a leading byte-order mark', () => {
    const long = `{"resourceType":"Observation","note":"${'x'.repeat(2_500_000)}"}`;
    expect(readAll(`\uFEFF{"a":1}\n${long}\n{"b":2}`, 700_000)).toEqual(['{"a":1}', long, '{"b":2}']);
  });
});

describe('reading the patient of a line from its text', () => {
  const cases: [string, object, string | undefined][] = [
    ['a plain subject', { resourceType: 'Observation', subject: { reference: 'Patient/a' } }, 'a'],
    ['an absolute, versioned reference', { resourceType: 'Coverage', beneficiary: { reference: 'https://x.example/fhir/Patient/a/_history/2' } }, 'a'],
    ['two different patients', { resourceType: 'Condition', subject: { reference: 'Patient/a' }, patient: { reference: 'Patient/b' } }, undefined],
    ['a contained resource of another patient', { resourceType: 'Procedure', subject: { reference: 'Patient/a' }, contained: [{ resourceType: 'Observation', subject: { reference: 'Patient/b' } }] }, undefined],
    ['a subject that is a Group', { resourceType: 'ServiceRequest', subject: { reference: 'Group/g' } }, undefined],
    ['a subject array', { resourceType: 'Consent', patient: [{ reference: 'Patient/a' }] }, undefined],
    ['"patient" only as a string value', { resourceType: 'Observation', code: { text: 'patient' }, subject: { reference: 'Patient/a' } }, 'a'],
    ['a Patient resource (its id decides)', { resourceType: 'Patient', id: 'a', link: [{ other: { reference: 'Patient/b' } }] }, undefined],
    ['a shared resource', { resourceType: 'Organization', id: 'o' }, undefined],
  ];
  for (const [name, resource, owner] of cases) {
    it(`${name}: ${owner ?? 'left to JSON.parse'}`, () => {
      expect(ownerFromText(JSON.stringify(resource))).toBe(owner);
    });
  }

  it('never names a patient that ownersOf would not (ownersOf may find none: pass 2 then skips the line)', () => {
    const ref = fc.constantFrom('Patient/a', 'Patient/b', 'https://x/Patient/a', 'Group/g', 'Practitioner/p');
    const owner = fc.record({ reference: ref });
    const resource = fc.record(
      { resourceType: fc.constantFrom('Observation', 'Procedure', 'Coverage'), subject: owner, patient: owner, beneficiary: owner, contained: fc.array(fc.record({ resourceType: fc.constant('Observation'), subject: owner }), { maxLength: 2 }), note: fc.constantFrom([{ text: 'patient' }], [{ text: '"subject"' }]) },
      { requiredKeys: ['resourceType'] },
    );
    fc.assert(
      fc.property(resource, (r) => {
        const fast = ownerFromText(JSON.stringify(r));
        if (fast !== undefined) for (const o of ownersOf(r)) expect(o).toBe(fast);
      }),
      { numRuns: 500 },
    );
  });
});

describe('writing partition files', () => {
  it('copies each line as it was read, behind its patient: non-ASCII, longer than a write chunk, across read chunks, after a byte-order mark', async () => {
    const obs = (patient: string, note: string) => JSON.stringify({ resourceType: 'Observation', subject: { reference: `Patient/${patient}` }, note: [{ text: note }] });
    const lines = [
      obs('a', 'first, after the mark'),
      obs('b', 'Ünïcödé — “quoted” 🦴'),
      obs('a', 'x'.repeat(700_000)), // longer than a write chunk (16-256 KB) and across the 1 MB read chunk
      JSON.stringify({ resourceType: 'Coverage', id: 'c', beneficiary: { reference: 'Patient/b' }, payor: [{ reference: 'Organization/o' }] }),
      obs('c', 'y'.repeat(400_000)),
      ' {"resourceType": "Condition", "subject": {"reference": "Patient/c"}}', // not in the plain form: parsed
      JSON.stringify({ resourceType: 'Organization', id: 'o' }),
      obs('b', 'last line, no newline'),
    ];
    const file = join(dir, `split${n++}.ndjson`);
    writeFileSync(file, `\uFEFF${lines.join('\n')}`);
    const work = mkdtempSync(join(tmpdir(), 'split-'));
    const partitions = 2;
    const result = await splitRanges({ ranges: byteRanges([file], 300_000), work, thread: 0, partitions });
    expect(result).toMatchObject({ resources: 8, shared: 1, skipped: 0, dropped: 0 });
    const expected = ['', ''];
    for (const line of lines.filter((l) => !l.includes('"Organization"'))) {
      const owner = /Patient\/(\w+)/.exec(line)![1]!;
      expected[hash(owner) % partitions] += `${owner}\t${line}\n`;
    }
    for (let p = 0; p < partitions; p++) expect(readFileSync(partitionFile(work, p, 0), 'utf8')).toBe(expected[p]);
  });
});
