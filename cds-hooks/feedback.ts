// POST /cds-services/{id}/feedback (CDS Hooks 2.0 §Feedback): { feedback: [{ card, outcome,
// acceptedSuggestions?, overrideReason?, outcomeTimestamp }] }. Every entry must answer a card this
// service issued; otherwise nothing is stored and the caller is told which card is unknown.
import { z } from 'zod';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Logger } from '../common/logger';
import { allOk, badRequest, normalizeError, OperationOutcomeError, unprocessable } from '../common/outcomes';
import type { FeedbackEntry, FeedbackStore } from './feedback-store';

const coding = z.looseObject({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() });

const feedbackSchema = z.object({
  feedback: z
    .array(
      z.looseObject({
        card: z.string({ error: 'feedback[].card (the card uuid) is required' }).min(1),
        outcome: z.enum(['accepted', 'overridden'], { error: 'feedback[].outcome must be accepted or overridden' }),
        acceptedSuggestions: z.array(z.looseObject({ id: z.string() })).optional(),
        overrideReason: z.looseObject({ reason: coding.optional(), userComment: z.string().optional() }).optional(),
        // CDS Hooks 2.0: an ISO 8601 date-time; with an offset or Z, so two clients mean the same instant.
        outcomeTimestamp: z.iso.datetime({ offset: true, error: 'feedback[].outcomeTimestamp must be an ISO 8601 date-time, e.g. 2025-06-01T10:00:00Z' }),
      }),
    )
    .min(1, { error: 'feedback must hold at least one entry' }),
});

export function parseFeedback(body: unknown): FeedbackEntry[] {
  const parsed = feedbackSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OperationOutcomeError(badRequest(issue?.message ?? 'Invalid feedback', issue?.path.join('.')));
  }
  return parsed.data.feedback.map((e) => ({
    card: e.card,
    outcome: e.outcome,
    ...(e.acceptedSuggestions ? { acceptedSuggestions: e.acceptedSuggestions.map((s) => ({ id: s.id })) } : {}),
    ...(e.overrideReason ? { overrideReason: e.overrideReason } : {}),
    outcomeTimestamp: e.outcomeTimestamp,
  }));
}

/**
 * Transport-free like the hook: [outcome, { received }] when stored, [outcome] when refused. The spec
 * defines no response body; an acknowledgement with the number of entries received (the same on a
 * retry) is one a client may parse or ignore, and no response this service gives is empty.
 */
export async function handleFeedback(
  serviceId: string,
  body: unknown,
  deps: { store: FeedbackStore; now: () => Date; logger: Logger },
): Promise<[OperationOutcome, { received: number }?]> {
  try {
    const { received } = await storeFeedback(serviceId, body, deps.store, deps.now);
    return [allOk, { received }];
  } catch (err) {
    const { status, outcome } = normalizeError(err);
    if (status >= 500) deps.logger.error({ err }, 'feedback failed');
    return [outcome];
  }
}

export async function storeFeedback(serviceId: string, body: unknown, store: FeedbackStore, now: () => Date): Promise<{ stored: number; received: number }> {
  const entries = parseFeedback(body);
  const uuids = [...new Set(entries.map((e) => e.card))];
  const issued = await store.issuedSuggestions(serviceId, uuids);
  const unknown = uuids.filter((u) => !issued.has(u));
  if (unknown.length) {
    throw new OperationOutcomeError(
      unprocessable(`Card ${unknown.join(', ')} was not issued by service ${serviceId}; no feedback was stored`),
    );
  }
  // An accepted suggestion must be one of that card's own: anything else is a different card's, or made up.
  for (const e of entries) {
    const own = new Set(issued.get(e.card));
    const foreign = (e.acceptedSuggestions ?? []).map((s) => s.id).filter((id) => !own.has(id));
    if (foreign.length) {
      throw new OperationOutcomeError(unprocessable(`Suggestion ${foreign.join(', ')} is not one of card ${e.card}'s suggestions; no feedback was stored`));
    }
  }
  // A retried POST of the same entries is stored once; the caller gets the same 200 either way.
  return { stored: await store.recordFeedback(serviceId, entries, now().toISOString()), received: entries.length };
}
