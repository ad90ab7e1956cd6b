// Opening the feedback store: PostgreSQL when DATABASE_URL is set, else SQLite, each wrapped to
// answer 503 while it is down and to keep issued cards only for their retention period. A module of
// its own so that the store contract (feedback-store.ts) does not depend on its implementations.
import { unavailableWhenDown, withRetention, type FeedbackStore } from './feedback-store';

export async function createFeedbackStore(opts: { databaseUrl?: string; sqlitePath: string; retentionDays?: number }): Promise<FeedbackStore> {
  if (opts.databaseUrl) {
    const { createPgFeedbackStore } = await import('./feedback-store-pg');
    return withRetention(unavailableWhenDown(await createPgFeedbackStore(opts.databaseUrl)), opts.retentionDays);
  }
  const { createSqliteFeedbackStore } = await import('./feedback-store-sqlite');
  return withRetention(unavailableWhenDown(createSqliteFeedbackStore(opts.sqlitePath)), opts.retentionDays);
}
