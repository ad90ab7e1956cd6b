// Pass 1's byte ranges: however a file is cut, every line is read exactly once, by the range it
// starts in — including lines longer than a read chunk, a missing final newline and a byte-order mark.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteRanges, linesInRange } from '../../cli/partition';

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
