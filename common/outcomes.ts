// The one error currency, after Medplum's outcomes.ts, in a leaf that server/, cds-hooks/ and sandbox/
// all use (and that imports none of them): factories that build a FHIR OperationOutcome, an error class
// that carries one, one status map, and one normalising step at the HTTP boundary. Callers see the
// outcome; stack traces go to the log only. Medplum's own outcomes were the other option; ours adds the
// CDS Hooks statuses (412 incomplete, 413 too-long, 422 processing, 503 transient) its map leaves out.
import { getStatus as medplumStatus } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

/** HTTP status per OperationOutcome issue code; anything unlisted is a 500. */
const STATUS_BY_CODE: Partial<Record<IssueCode, number>> = {
  informational: 200,
  invalid: 400,
  structure: 400,
  required: 400,
  value: 400,
  security: 401,
  login: 401,
  forbidden: 403,
  'not-found': 404,
  'not-supported': 405,
  conflict: 409,
  'too-long': 413,
  incomplete: 412,
  processing: 422,
  timeout: 504,
  transient: 503,
  exception: 500,
};

export class OperationOutcomeError extends Error {
  readonly outcome: OperationOutcome;
  constructor(outcome: OperationOutcome, cause?: unknown) {
    super(outcome.issue?.[0]?.details?.text ?? 'Error', { cause });
    this.name = 'OperationOutcomeError';
    this.outcome = outcome;
  }
}

export function outcome(severity: OperationOutcomeIssue['severity'], code: IssueCode, text: string, expression?: string[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, details: { text }, ...(expression ? { expression } : {}) }],
  };
}

export const allOk = outcome('information', 'informational', 'All OK');
export const badRequest = (text: string, expression?: string) =>
  outcome('error', 'invalid', text, expression ? [expression] : undefined);
export const notFound = (text = 'Not found') => outcome('error', 'not-found', text);
export const unauthorized = (text = 'Unauthorized') => outcome('error', 'login', text);
export const forbidden = (text: string) => outcome('error', 'forbidden', text);
export const payloadTooLarge = (text: string) => outcome('error', 'too-long', text);
/** 412: the service cannot get the FHIR data it needs, by prefetch or by fetching (CDS Hooks 2.0 §HTTP response). */
export const preconditionFailed = (text: string) => outcome('error', 'incomplete', text);
export const unprocessable = (text: string) => outcome('error', 'processing', text);
export const serverError = () => outcome('error', 'exception', 'Internal server error');
export const unavailable = (text: string) => outcome('error', 'transient', text);

/** True for the all-OK outcome a handler returns with its response. */
export const isOk = (o: OperationOutcome): boolean => getStatus(o) < 400;

/**
 * The one status map. Outcomes made by Medplum's FHIR router (the sandbox server) carry an `id` such
 * as "created" or "gone" that their status is read from, by Medplum's own map; ours carry none and map
 * by issue code.
 */
export function getStatus(o: OperationOutcome): number {
  if (o.id) return medplumStatus(o);
  const code = o.issue?.[0]?.code;
  return (code && STATUS_BY_CODE[code]) ?? 500;
}

/** The boundary step: whatever was thrown becomes a status and an OperationOutcome safe to send. */
export function normalizeError(err: unknown): { status: number; outcome: OperationOutcome } {
  if (err instanceof OperationOutcomeError) return { status: getStatus(err.outcome), outcome: err.outcome };
  const e = err as { type?: string; status?: number; limit?: number } | undefined;
  // body-parser's errors: keep their status, never their message (it can echo the body).
  if (e?.type === 'entity.parse.failed') return { status: 400, outcome: badRequest('The request body is not valid JSON') };
  if (e?.type === 'entity.too.large') {
    return { status: 413, outcome: payloadTooLarge(`The request body is larger than the ${e.limit ?? ''} byte limit`.replace('  ', ' ')) };
  }
  if (e?.status && e.status >= 400 && e.status < 500) return { status: e.status, outcome: badRequest('The request could not be read') };
  return { status: 500, outcome: serverError() };
}
