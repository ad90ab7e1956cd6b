// Reading a hook or feedback body: JSON of any content type, at most a byte limit (413), and at most a
// nesting depth (400). The depth is checked on the raw bytes before JSON.parse builds anything, so a
// Bundle nested 20,000 deep is refused in one linear pass instead of overflowing a recursive reader
// later (flattening, validation, the engine).
import express from 'express';
import { badRequest, OperationOutcomeError } from '../common/outcomes';

/** Far deeper than any FHIR resource a CDS client sends (a contained Bundle of Bundles is ~15). */
export const MAX_JSON_DEPTH = 64;

/** The deepest array/object nesting in JSON text, stopping as soon as `limit` is passed. */
export function jsonDepthExceeds(buf: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
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
