// Durable storage for CDS Hooks feedback (CDS Hooks 2.0 §Feedback) and for the cards it answers:
// each issued card's uuid is remembered with the determination behind it, so every feedback entry is
// linked to what the clinician actually saw. SQLite by default, PostgreSQL when DATABASE_URL is set.
import { OperationOutcomeError, unavailable } from '../common/outcomes';
import type { Coding } from '@medplum/fhirtypes';

export interface IssuedCard {
  uuid: string;
  serviceId: string;
  hookInstance: string;
  orderReference: string;
  /** The determination's outcome, or "indeterminate" when the record could not be read. */
  outcome: string;
  /** The Determination as JSON (null for indeterminate cards). */
  determination: unknown;
  issuedAt: string;
}

export interface FeedbackEntry {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: Coding; userComment?: string };
  outcomeTimestamp: string;
}

export interface StoredFeedback extends FeedbackEntry {
  id: number;
  serviceId: string;
  receivedAt: string;
  /** The card the entry answered, as issued. */
  issued: IssuedCard;
}

export interface FeedbackStore {
  recordIssued(cards: IssuedCard[]): Promise<void>;
  /** The uuids among these that this service never issued. */
  unknownCards(serviceId: string, uuids: string[]): Promise<string[]>;
  /** Stores all entries or none. */
  recordFeedback(serviceId: string, entries: FeedbackEntry[], receivedAt: string): Promise<void>;
  feedbackFor(cardUuid: string): Promise<StoredFeedback[]>;
  /** The CDS client JWT replay guard, in the same database so every worker process shares it. */
  firstUse(key: string, expiresAtMs: number): Promise<boolean>;
  /** Resolves when the database answers (GET /health). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Column order shared by both implementations' SELECT … JOIN. */
export interface FeedbackRow {
  id: number | string;
  service_id: string;
  card_uuid: string;
  outcome: string;
  accepted_suggestions: string | null | unknown;
  override_reason: string | null | unknown;
  outcome_timestamp: string;
  received_at: string;
  hook_instance: string;
  order_ref: string;
  card_outcome: string;
  determination: string | null | unknown;
  issued_at: string;
}

const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

export function rowToFeedback(row: FeedbackRow): StoredFeedback {
  const accepted = json(row.accepted_suggestions) as FeedbackEntry['acceptedSuggestions'] | null;
  const override = json(row.override_reason) as FeedbackEntry['overrideReason'] | null;
  return {
    id: Number(row.id),
    serviceId: row.service_id,
    card: row.card_uuid,
    outcome: row.outcome as FeedbackEntry['outcome'],
    ...(accepted ? { acceptedSuggestions: accepted } : {}),
    ...(override ? { overrideReason: override } : {}),
    outcomeTimestamp: row.outcome_timestamp,
    receivedAt: row.received_at,
    issued: {
      uuid: row.card_uuid,
      serviceId: row.service_id,
      hookInstance: row.hook_instance,
      orderReference: row.order_ref,
      outcome: row.card_outcome,
      determination: json(row.determination) ?? null,
      issuedAt: row.issued_at,
    },
  };
}

export const FEEDBACK_SELECT = `
  SELECT f.id, f.service_id, f.card_uuid, f.outcome, f.accepted_suggestions, f.override_reason,
         f.outcome_timestamp, f.received_at, c.hook_instance, c.order_ref, c.outcome AS card_outcome,
         c.determination, c.issued_at
    FROM feedback f JOIN issued_cards c ON c.uuid = f.card_uuid`;

/** SQLite by default; PostgreSQL when a database URL is configured. */
/**
 * A store that is down must never lose feedback silently: every failure reaches the caller as a 503
 * OperationOutcome that says nothing was stored, so the EHR can retry once the store is back.
 */
export function unavailableWhenDown(store: FeedbackStore): FeedbackStore {
  const down = (err: unknown): never => {
    if (err instanceof OperationOutcomeError) throw err;
    throw new OperationOutcomeError(unavailable('The feedback store is not answering; no feedback was stored. Retry later.'), err);
  };
  return {
    ...store,
    recordIssued: (cards) => store.recordIssued(cards).catch(down),
    unknownCards: (serviceId, uuids) => store.unknownCards(serviceId, uuids).catch(down),
    recordFeedback: (serviceId, entries, at) => store.recordFeedback(serviceId, entries, at).catch(down),
    feedbackFor: (uuid) => store.feedbackFor(uuid).catch(down),
    // A replay cannot be ruled out while the store is down: the caller gets a 503, not a pass.
    firstUse: (key, exp) => store.firstUse(key, exp).catch(down),
  };
}

export async function createFeedbackStore(opts: { databaseUrl?: string; sqlitePath: string }): Promise<FeedbackStore> {
  if (opts.databaseUrl) {
    const { createPgFeedbackStore } = await import('./feedback-store-pg');
    return unavailableWhenDown(await createPgFeedbackStore(opts.databaseUrl));
  }
  const { createSqliteFeedbackStore } = await import('./feedback-store-sqlite');
  return unavailableWhenDown(createSqliteFeedbackStore(opts.sqlitePath));
}
