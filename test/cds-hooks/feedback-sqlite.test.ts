// Feedback stored in the embedded SQLite database (the default).
import { describe, expect, it } from 'vitest';
import { createFeedbackStore } from '../../cds-hooks/feedback-store';
import { createSqliteFeedbackStore } from '../../cds-hooks/feedback-store-sqlite';
import { feedbackScenarios } from './feedback-scenarios';
import { tempDbPath } from './harness';

describe('feedback in SQLite', () => {
  feedbackScenarios('SQLite', async () => {
    const file = tempDbPath();
    return { options: { env: { FEEDBACK_DB_PATH: file } }, reopen: async () => createSqliteFeedbackStore(file) };
  });

  it('a store opened with a retention period deletes the unanswered cards issued before it, and keeps the recent ones', async () => {
    const file = tempDbPath();
    const day = 86_400_000;
    const card = (uuid: string, ageDays: number) => ({
      uuid,
      serviceId: 's',
      hookInstance: 'h',
      orderReference: 'ServiceRequest/x',
      outcome: 'criteria-met',
      determination: null,
      suggestionIds: [],
      issuedAt: new Date(Date.now() - ageDays * day).toISOString(),
    });
    const first = await createFeedbackStore({ sqlitePath: file });
    await first.recordIssued([card('old', 120), card('recent', 10)]);
    await first.close();
    const second = await createFeedbackStore({ sqlitePath: file, retentionDays: 90 });
    await expect.poll(async () => [...(await second.issuedSuggestions('s', ['old', 'recent'])).keys()]).toEqual(['recent']);
    await second.close();
  });
});
