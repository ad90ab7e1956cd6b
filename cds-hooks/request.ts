// Stage 1 of the hook: parse the request (CDS Hooks 2.0 §HTTP Request; order-sign context: userId,
// patientId, encounterId?, draftOrders). Unknown fields are ignored; what is wrong becomes a 400
// OperationOutcome that names the field. Real clients' quirks are smoothed here, once.
import { z } from 'zod';
import type { Resource } from '@medplum/fhirtypes';
import { badRequest, OperationOutcomeError } from '../common/outcomes';
import type { HookRequest } from './types';

const resourceLike = z.looseObject({ resourceType: z.string() });

const requestSchema = z.looseObject({
  hook: z.string({ error: 'hook is required' }),
  hookInstance: z.string({ error: 'hookInstance is required' }).min(1),
  fhirServer: z.string().optional(),
  fhirAuthorization: z
    .looseObject({ access_token: z.string().optional(), token_type: z.string().optional() })
    .nullish()
    .transform((v) => v ?? undefined),
  context: z.looseObject(
    {
      userId: z.string({ error: 'context.userId is required' }),
      patientId: z.string({ error: 'context.patientId is required' }).min(1),
      encounterId: z.string().optional(),
      draftOrders: z.looseObject(
        {
          resourceType: z.literal('Bundle', { error: 'context.draftOrders must be a FHIR Bundle' }),
          entry: z.array(z.looseObject({ resource: resourceLike.optional() })).optional(),
        },
        { error: 'context.draftOrders must be a FHIR Bundle' },
      ),
    },
    { error: 'context is required' },
  ),
  prefetch: z.record(z.string(), z.unknown()).nullish(),
  extension: z.record(z.string(), z.unknown()).optional(),
});

export function parseHookRequest(body: unknown, expectedHook: string): HookRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OperationOutcomeError(badRequest('The request body must be a CDS Hooks request object'));
  }
  const hook = (body as { hook?: unknown }).hook;
  if (typeof hook === 'string' && hook !== expectedHook) {
    throw new OperationOutcomeError(badRequest(`This service answers the ${expectedHook} hook, not ${hook}`, 'hook'));
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new OperationOutcomeError(badRequest(issue?.message ?? 'Invalid CDS Hooks request', path || undefined));
  }
  return { ...parsed.data, prefetch: parsed.data.prefetch ?? undefined } as HookRequest;
}

/**
 * The draft orders the engine judges: ServiceRequests and MedicationRequests (J1100 goes with its
 * injection). The CDS Hooks sandbox sends MedicationRequest.category as one object where R4 wants an
 * array; it is wrapped so everything downstream (and the resource we send back) is valid R4.
 */
export function draftOrders(request: HookRequest): Resource[] {
  return (request.context.draftOrders.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Resource => r?.resourceType === 'ServiceRequest' || r?.resourceType === 'MedicationRequest')
    .map((r) => {
      const category = (r as { category?: unknown }).category;
      return category && !Array.isArray(category) ? ({ ...r, category: [category] } as Resource) : r;
    });
}

/** The order's codes: ServiceRequest.code, MedicationRequest.medicationCodeableConcept. */
export function orderCodes(order: Resource): { system: string; code: string }[] {
  const o = order as { code?: unknown; medicationCodeableConcept?: unknown };
  const concept = (o.code ?? o.medicationCodeableConcept) as { coding?: unknown } | null | undefined;
  const coding: unknown[] = concept && typeof concept === 'object' && Array.isArray(concept.coding) ? concept.coding : [];
  // A coding that is null or not an object (real clients have sent both) is no code at all.
  return coding
    .filter((c): c is { system?: unknown; code?: unknown } => c !== null && typeof c === 'object')
    .filter((c) => typeof c.code === 'string' && c.code !== '')
    .map((c) => ({ system: typeof c.system === 'string' ? c.system : '', code: c.code as string }));
}
