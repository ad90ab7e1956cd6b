// Feedback stored in PostgreSQL (DATABASE_URL), against a real throwaway server.
import { afterAll, beforeAll, describe } from 'vitest';
import { createPgFeedbackStore } from '../../cds-hooks/feedback-store-pg';
import { feedbackScenarios } from './feedback-scenarios';
import { startPgCluster, type PgCluster } from './postgres-cluster';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPgCluster();
}, 60_000);
afterAll(() => {
  cluster?.stop();
});

describe('feedback in PostgreSQL', () => {
  feedbackScenarios('PostgreSQL', async () => ({
    options: { env: { DATABASE_URL: cluster.url } },
    reopen: () => createPgFeedbackStore(cluster.url),
  }));
});
