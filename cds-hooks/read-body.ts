// Reading a hook or feedback body: JSON of any content type, at most a byte limit (413), and at most a
// nesting depth (400). The depth is checked on the raw bytes before JSON.parse builds anything, so a
// Bundle nested 20,000 deep is refused in one linear pass instead of overflowing a recursive reader
// later (flattening, validation, the engine).
import express from 'express';
import { badRequest, OperationOutcomeError } from '../common/outcomes';

/** Far deeper than any FHIR resource a CDS client sends (a contained Bundle of Bundles is ~15). */
export const MAX_JSON_DEPTH = 64;

/** Whether the array/object nesting of JSON text goes deeper than `limit`, stopping as soon as it does. */
export function jsonDepthExceeds(buf: Uint8Array, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x22) {
      // A string, read to its closing quote in a loop of its own (most of a FHIR body is strings); a
      // backslash escapes the byte after it.
      for (i++; i < buf.length && buf[i] !== 0x22; i++) if (buf[i] === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
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
