// Feedback stored in the embedded SQLite database (the default).
import { describe, expect, it } from 'vitest';
import { createFeedbackStore } from '../../cds-hooks/open-feedback-store';
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

describe('a feedback database from before issue 9', () => {
  it('gains the new columns in place: its cards and feedback stay, and new feedback is deduplicated', async () => {
    const file = tempDbPath();
    const Database = (await import('better-sqlite3')).default;
    const old = new Database(file);
    old.exec(`
      CREATE TABLE issued_cards (uuid TEXT PRIMARY KEY, service_id TEXT NOT NULL, hook_instance TEXT NOT NULL, order_ref TEXT NOT NULL,
        outcome TEXT NOT NULL, determination TEXT, issued_at TEXT NOT NULL);
      CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, service_id TEXT NOT NULL, card_uuid TEXT NOT NULL REFERENCES issued_cards(uuid),
        outcome TEXT NOT NULL, accepted_suggestions TEXT, override_reason TEXT, outcome_timestamp TEXT NOT NULL, received_at TEXT NOT NULL);
      INSERT INTO issued_cards VALUES ('c1', 's', 'h', 'ServiceRequest/x', 'criteria-met', NULL, '${new Date().toISOString()}');
      INSERT INTO feedback (service_id, card_uuid, outcome, outcome_timestamp, received_at) VALUES ('s', 'c1', 'accepted', '2025-06-01T10:00:00Z', '2025-06-01T10:00:01Z');
    `);
    old.close();
    const store = createSqliteFeedbackStore(file);
    try {
      expect(await store.feedbackFor('c1')).toHaveLength(1);
      expect((await store.issuedSuggestions('s', ['c1'])).get('c1')).toEqual([]);
      const entry = { card: 'c1', outcome: 'overridden' as const, outcomeTimestamp: '2025-06-02T10:00:00Z' };
      expect(await store.recordFeedback('s', [entry], new Date().toISOString())).toBe(1);
      expect(await store.recordFeedback('s', [entry], new Date().toISOString())).toBe(0);
      expect(await store.feedbackFor('c1')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
