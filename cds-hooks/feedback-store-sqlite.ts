// The embedded feedback store: one SQLite file (better-sqlite3, WAL), created on first use.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FEEDBACK_SELECT, feedbackEntryKey, rowToFeedback, type FeedbackRow, type FeedbackStore, type IssuedCard } from './feedback-store';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS issued_cards (
    uuid TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    hook_instance TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    outcome TEXT NOT NULL,
    determination TEXT,
    issued_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id TEXT NOT NULL,
    card_uuid TEXT NOT NULL REFERENCES issued_cards(uuid),
    outcome TEXT NOT NULL,
    accepted_suggestions TEXT,
    override_reason TEXT,
    outcome_timestamp TEXT NOT NULL,
    received_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS feedback_card ON feedback(card_uuid);
  CREATE TABLE IF NOT EXISTS seen_jti (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
`;

function retryWhileBusy(work: () => void, seconds = 10): void {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return work();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 + Math.random() * 100);
    }
  }
}

/** Columns added after the first release: a database from before gains them in place. */
function migrate(db: Database.Database): void {
  const has = (table: string, column: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column);
  if (!has('issued_cards', 'suggestion_ids')) db.exec('ALTER TABLE issued_cards ADD COLUMN suggestion_ids TEXT');
  if (!has('feedback', 'entry_key')) db.exec('ALTER TABLE feedback ADD COLUMN entry_key TEXT');
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS feedback_entry_key ON feedback(entry_key)');
  db.exec('CREATE INDEX IF NOT EXISTS issued_cards_issued_at ON issued_cards(issued_at)');
}

export function createSqliteFeedbackStore(file: string): FeedbackStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // Several worker processes open and write the same file: wait for the lock rather than fail.
  db.pragma('busy_timeout = 5000');
  // Switching a new file to WAL takes an exclusive lock that SQLite does not wait for, so two workers
  // starting together can collide: try again for a few seconds.
  retryWhileBusy(() => {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    migrate(db);
  });
  // In WAL mode NORMAL survives a process crash or restart; only a power loss can drop the last
  // commits. That is right for the issued-card log written on every hook call (an fsync per call
  // capped the service near 150 requests/s); feedback entries are still committed with FULL below.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  const insertCard = db.prepare(
    `INSERT OR REPLACE INTO issued_cards (uuid, service_id, hook_instance, order_ref, outcome, determination, issued_at, suggestion_ids)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // One transaction per hook call, built once (db.transaction wraps the function anew on every call).
  const insertCards = db.transaction((cards: IssuedCard[]) => {
    for (const c of cards) {
      insertCard.run(c.uuid, c.serviceId, c.hookInstance, c.orderReference, c.outcome, c.determination == null ? null : JSON.stringify(c.determination), c.issuedAt, JSON.stringify(c.suggestionIds));
    }
  });
  const insertFeedback = db.prepare(
    `INSERT OR IGNORE INTO feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason, outcome_timestamp, received_at, entry_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const findCard = db.prepare('SELECT suggestion_ids FROM issued_cards WHERE uuid = ? AND service_id = ?');
  const purgeCards = db.prepare('DELETE FROM issued_cards WHERE issued_at < ? AND uuid NOT IN (SELECT card_uuid FROM feedback)');
  const byCard = db.prepare(`${FEEDBACK_SELECT} WHERE f.card_uuid = ? ORDER BY f.id`);
  const insertJti = db.prepare('INSERT OR IGNORE INTO seen_jti (key, expires_at) VALUES (?, ?)');
  const forgetJtis = db.prepare('DELETE FROM seen_jti WHERE expires_at < ?');
  let jtiCalls = 0;

  return {
    async recordIssued(cards) {
      insertCards(cards);
    },
    async issuedSuggestions(serviceId, uuids) {
      const out = new Map<string, string[]>();
      for (const u of uuids) {
        const row = findCard.get(u, serviceId) as { suggestion_ids: string | null } | undefined;
        if (row) out.set(u, row.suggestion_ids ? (JSON.parse(row.suggestion_ids) as string[]) : []);
      }
      return out;
    },
    async purgeIssuedBefore(iso) {
      return purgeCards.run(iso).changes;
    },
    async recordFeedback(serviceId, entries, receivedAt) {
      db.pragma('synchronous = FULL');
      let stored = 0;
      try {
        db.transaction(() => {
          for (const e of entries) {
            stored += insertFeedback.run(
              serviceId,
              e.card,
              e.outcome,
              e.acceptedSuggestions ? JSON.stringify(e.acceptedSuggestions) : null,
              e.overrideReason ? JSON.stringify(e.overrideReason) : null,
              e.outcomeTimestamp,
              receivedAt,
              feedbackEntryKey(serviceId, e),
            ).changes;
          }
        })();
      } finally {
        db.pragma('synchronous = NORMAL');
      }
      return stored;
    },
    async feedbackFor(cardUuid) {
      return (byCard.all(cardUuid) as FeedbackRow[]).map(rowToFeedback);
    },
    async firstUse(key, expiresAtMs) {
      if (++jtiCalls % 100 === 0) forgetJtis.run(Date.now());
      return insertJti.run(key, expiresAtMs).changes === 1;
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
