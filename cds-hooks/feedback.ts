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
        outcomeTimestamp: z.string({ error: 'feedback[].outcomeTimestamp is required' }).min(1),
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

/** Transport-free like the hook: [outcome, {}] when stored, [outcome] when refused. */
export async function handleFeedback(
  serviceId: string,
  body: unknown,
  deps: { store: FeedbackStore; now: () => Date; logger: Logger },
): Promise<[OperationOutcome, Record<string, never>?]> {
  try {
    await storeFeedback(serviceId, body, deps.store, deps.now);
    return [allOk, {}];
  } catch (err) {
    const { status, outcome } = normalizeError(err);
    if (status >= 500) deps.logger.error({ err }, 'feedback failed');
    return [outcome];
  }
}

export async function storeFeedback(serviceId: string, body: unknown, store: FeedbackStore, now: () => Date): Promise<{ stored: number }> {
  const entries = parseFeedback(body);
  const unknown = await store.unknownCards(serviceId, [...new Set(entries.map((e) => e.card))]);
  if (unknown.length) {
    throw new OperationOutcomeError(
      unprocessable(`Card ${unknown.join(', ')} was not issued by service ${serviceId}; no feedback was stored`),
    );
  }
  await store.recordFeedback(serviceId, entries, now().toISOString());
  return { stored: entries.length };
}
