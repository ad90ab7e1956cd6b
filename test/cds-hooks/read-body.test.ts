// The body's nesting-depth check: it reads raw bytes before JSON.parse builds anything, so it must
// give the same answer as a plain byte-by-byte reading of the JSON text on any input, valid or not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../cds-hooks/read-body';

/** One byte at a time, with an in-string flag: the reading the check must agree with. */
function depthExceedsByteByByte(buf: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('jsonDepthExceeds', () => {
  it('counts brackets outside strings only, escapes included', () => {
    expect(jsonDepthExceeds(bytes(`${'['.repeat(65)}${']'.repeat(65)}`), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(bytes(`${'['.repeat(64)}${']'.repeat(64)}`), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(bytes(`{"a":"${'['.repeat(100)}"}`), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(bytes(`{"a":"\\\\","b":${'['.repeat(65)}${']'.repeat(65)}}`), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(bytes(`{"a":"\\"${'['.repeat(65)}"}`), MAX_JSON_DEPTH)).toBe(false);
  });

  it('reads escaped quotes by the run of backslashes before them', () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    // An odd run escapes the quote, so the string goes on over the brackets; an even run does not.
    expect(jsonDepthExceeds(bytes(`["\\\\\\"${deep}"]`), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(bytes(`["\\\\\\\\",${deep}]`), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(bytes(`["a\\"b\\"c",${deep}]`), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(bytes(`["\\"`), 0)).toBe(true);
    expect(jsonDepthExceeds(bytes(`"\\"${'['.repeat(2)}`), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(`"\\\\"${'['.repeat(2)}`), 1)).toBe(true);
    // Runs of spaces of every length, up to the last bytes of the body.
    for (let n = 0; n < 12; n++) {
      expect(jsonDepthExceeds(bytes(`${' '.repeat(n)}[${' '.repeat(n)}[${' '.repeat(n)}`), 1)).toBe(true);
      expect(jsonDepthExceeds(bytes(`${' '.repeat(n)}[${' '.repeat(n)}]${' '.repeat(n)}[`), 1)).toBe(false);
    }
  });

  it('reads a Buffer that starts part-way into its memory as it reads a copy', () => {
    const text = `  "x\\" [ "[" [    ] ]`;
    const pooled = Buffer.from(`junk${text}junk`).subarray(4, 4 + text.length);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    for (const limit of [0, 1, 2, 3]) expect(jsonDepthExceeds(pooled, limit)).toBe(depthExceedsByteByByte(bytes(text), limit));
  });

  it('agrees with a byte-by-byte reading on any bytes: quotes, backslashes and brackets anywhere, unterminated strings', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('"', '\\', '{', '[', '}', ']', '\\"', '\\\\', '"\\', ':', ',', ' ', '\n') },
      { weight: 2, arbitrary: fc.constantFrom('\\\\\\"', '\\\\\\\\"', '  ', '    ', '       ', '\n        ', ' \\ ') },
      { weight: 2, arbitrary: fc.constantFrom('[[[[[[[[', ']]]]]]]]', '{"a":', '"text"', 'é', '\u{1F600}') },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), fc.integer({ min: 0, max: 12 }), (pieces, limit) => {
        const buf = bytes(pieces.join(''));
        expect(jsonDepthExceeds(buf, limit)).toBe(depthExceedsByteByByte(buf, limit));
      }),
      { numRuns: 5000, seed: 1103 },
    );
  });

  it('agrees on random bytes and on real JSON of any shape', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 6 }), (buf, limit) => {
        expect(jsonDepthExceeds(buf, limit)).toBe(depthExceedsByteByByte(buf, limit));
      }),
      { numRuns: 3000, seed: 1104 },
    );
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), fc.integer({ min: 0, max: 8 }), (json, limit) => {
        const buf = bytes(json);
        expect(jsonDepthExceeds(buf, limit)).toBe(depthExceedsByteByByte(buf, limit));
      }),
      { numRuns: 1000, seed: 1105 },
    );
  });
});
