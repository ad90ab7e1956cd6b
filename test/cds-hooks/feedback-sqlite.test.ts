// Feedback stored in the embedded SQLite database (the default).
import { describe } from 'vitest';
import { createSqliteFeedbackStore } from '../../cds-hooks/feedback-store-sqlite';
import { feedbackScenarios } from './feedback-scenarios';
import { tempDbPath } from './harness';

describe('feedback in SQLite', () => {
  feedbackScenarios('SQLite', async () => {
    const file = tempDbPath();
    return { options: { env: { FEEDBACK_DB_PATH: file } }, reopen: async () => createSqliteFeedbackStore(file) };
  });
});
