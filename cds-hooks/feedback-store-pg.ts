// The PostgreSQL feedback store (DATABASE_URL): same tables as the SQLite store, JSON as jsonb.
import pg from 'pg';
import { FEEDBACK_SELECT, feedbackEntryKey, rowToFeedback, type FeedbackRow, type FeedbackStore } from './feedback-store';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS issued_cards (
    uuid TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    hook_instance TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    outcome TEXT NOT NULL,
    determination JSONB,
    issued_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS feedback (
    id BIGSERIAL PRIMARY KEY,
    service_id TEXT NOT NULL,
    card_uuid TEXT NOT NULL REFERENCES issued_cards(uuid),
    outcome TEXT NOT NULL,
    accepted_suggestions JSONB,
    override_reason JSONB,
    outcome_timestamp TEXT NOT NULL,
    received_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS feedback_card ON feedback(card_uuid);
  CREATE TABLE IF NOT EXISTS seen_jti (
    key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
  );
  ALTER TABLE issued_cards ADD COLUMN IF NOT EXISTS suggestion_ids JSONB;
  ALTER TABLE feedback ADD COLUMN IF NOT EXISTS entry_key TEXT;
  CREATE UNIQUE INDEX IF NOT EXISTS feedback_entry_key ON feedback(entry_key);
  CREATE INDEX IF NOT EXISTS issued_cards_issued_at ON issued_cards(issued_at);
`;

export async function createPgFeedbackStore(databaseUrl: string): Promise<FeedbackStore> {
  // A server that goes away must fail calls quickly, not hang them, and must not crash the process:
  // idle clients that lose their connection emit 'error' on the pool.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 3000, query_timeout: 5000 });
  pool.on('error', () => {
    /* the broken client is discarded; the next call reconnects or reports the outage */
  });
  await pool.query(SCHEMA);
  let jtiCalls = 0;

  async function inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true); // destroy: the connection may be broken
      throw err;
    }
    client.release();
  }

  return {
    async recordIssued(cards) {
      await inTransaction(async (client) => {
        for (const c of cards) {
          await client.query(
            `INSERT INTO issued_cards (uuid, service_id, hook_instance, order_ref, outcome, determination, issued_at, suggestion_ids)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (uuid) DO UPDATE SET outcome = EXCLUDED.outcome, determination = EXCLUDED.determination, suggestion_ids = EXCLUDED.suggestion_ids`,
            [c.uuid, c.serviceId, c.hookInstance, c.orderReference, c.outcome, c.determination == null ? null : JSON.stringify(c.determination), c.issuedAt, JSON.stringify(c.suggestionIds)],
          );
        }
      });
    },
    async issuedSuggestions(serviceId, uuids) {
      const { rows } = await pool.query<{ uuid: string; suggestion_ids: string[] | null }>(
        'SELECT uuid, suggestion_ids FROM issued_cards WHERE service_id = $1 AND uuid = ANY($2)',
        [serviceId, uuids],
      );
      return new Map(rows.map((r) => [r.uuid, r.suggestion_ids ?? []]));
    },
    async purgeIssuedBefore(iso) {
      const { rowCount } = await pool.query('DELETE FROM issued_cards c WHERE c.issued_at < $1 AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.card_uuid = c.uuid)', [iso]);
      return rowCount ?? 0;
    },
    async recordFeedback(serviceId, entries, receivedAt) {
      let stored = 0;
      await inTransaction(async (client) => {
        for (const e of entries) {
          const { rowCount } = await client.query(
            `INSERT INTO feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason, outcome_timestamp, received_at, entry_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (entry_key) DO NOTHING`,
            [
              serviceId,
              e.card,
              e.outcome,
              e.acceptedSuggestions ? JSON.stringify(e.acceptedSuggestions) : null,
              e.overrideReason ? JSON.stringify(e.overrideReason) : null,
              e.outcomeTimestamp,
              receivedAt,
              feedbackEntryKey(serviceId, e),
            ],
          );
          stored += rowCount ?? 0;
        }
      });
      return stored;
    },
    async feedbackFor(cardUuid) {
      const { rows } = await pool.query<FeedbackRow>(`${FEEDBACK_SELECT} WHERE f.card_uuid = $1 ORDER BY f.id`, [cardUuid]);
      return rows.map(rowToFeedback);
    },
    async firstUse(key, expiresAtMs) {
      if (++jtiCalls % 100 === 0) await pool.query('DELETE FROM seen_jti WHERE expires_at < $1', [Date.now()]);
      const { rowCount } = await pool.query('INSERT INTO seen_jti (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, expiresAtMs]);
      return rowCount === 1;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
