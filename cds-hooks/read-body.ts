// Reading a hook or feedback body: JSON of any content type, at most a byte limit (413), and at most a
// nesting depth (400). The depth is checked on the raw bytes before JSON.parse builds anything, so a
// Bundle nested 20,000 deep is refused in one linear pass instead of overflowing a recursive reader
// later (flattening, validation, the engine).
import express from 'express';
import { badRequest, OperationOutcomeError } from '../common/outcomes';

/** Far deeper than any FHIR resource a CDS client sends (a contained Bundle of Bundles is ~15). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the array/object nesting of JSON text goes deeper than `limit`, stopping as soon as it does.
 * Most of a FHIR body is strings and indentation, so neither is read a byte at a time: a string's
 * closing quote is found with the native `indexOf` (a quote after an odd run of backslashes is escaped,
 * and the search goes on past it), and a run of spaces is skipped four bytes at a time. What it refuses
 * is exactly what a byte-by-byte reading with an in-string flag refuses (test/cds-hooks/read-body.test.ts).
 */
export function jsonDepthExceeds(buf: Uint8Array, limit: number): boolean {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const lastWord = n - 4;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = bytes[i];
    if (c === 0x20) {
      for (i++; i <= lastWord && words.getUint32(i) === 0x20202020; i += 4);
    } else if (c === 0x22) {
      // The closing quote: the next quote not escaped. The backslashes right before a quote all lie
      // inside this string (the opening quote, or an escaped quote, stops the count), so their number's
      // parity says whether it escapes the quote.
      let end = i;
      for (;;) {
        end = bytes.indexOf(0x22, end + 1);
        if (end < 0) return false; // an unterminated string: nothing after it is nesting
        let k = end - 1;
        while (bytes[k] === 0x5c) k--;
        if (((end - 1 - k) & 1) === 0) break;
      }
      i = end + 1;
    } else {
      if (c === 0x7b || c === 0x5b) {
        if (++depth > limit) return true;
      } else if (c === 0x7d || c === 0x5d) depth--;
      i++;
    }
  }
  return false;
}

export function jsonBody(opts: { limitBytes: number; maxDepth?: number }) {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  return express.json({
    limit: opts.limitBytes,
    type: () => true,
    // strict: false would accept a bare string; CDS Hooks bodies are objects, and the handlers say so.
    verify: (_req, _res, buf) => {
      if (jsonDepthExceeds(buf, maxDepth)) {
        throw new OperationOutcomeError(badRequest(`The request body is nested more than ${maxDepth} levels deep`));
      }
    },
  });
}
