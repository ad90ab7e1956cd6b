// Durable storage for CDS Hooks feedback (CDS Hooks 2.0 §Feedback) and for the cards it answers:
// each issued card's uuid is remembered with the determination behind it, so every feedback entry is
// linked to what the clinician actually saw. SQLite by default, PostgreSQL when DATABASE_URL is set.
import { createHash } from 'node:crypto';
import { OperationOutcomeError, unavailable } from '../common/outcomes';
import type { Coding } from '@medplum/fhirtypes';
import type { Determination } from '../criteria/model';

export interface IssuedCard {
  uuid: string;
  serviceId: string;
  hookInstance: string;
  orderReference: string;
  /** The determination's outcome, or "indeterminate" when the record could not be read. */
  outcome: string;
  /** The determination, compactly (compactDetermination), or null for indeterminate cards. */
  determination: unknown;
  /** The uuids of the card's suggestions: the only ids feedback may accept. */
  suggestionIds: string[];
  issuedAt: string;
}

/**
 * What is kept of a determination for feedback: which policy, which outcome, each criterion's status
 * and the entries it rested on (by reference). Not the rendered card, not the evidence text: about a
 * tenth of the full Determination, and enough to know what the clinician was told and why.
 */
export function compactDetermination(d: Determination) {
  return {
    order: d.order.reference,
    code: d.code,
    outcome: d.outcome,
    policy: { id: d.policy.id, version: d.policy.version, effective: d.policy.effective },
    criteria: d.criteria.map((c) => ({ id: c.id, status: c.status, evidence: c.evidence.map((e) => e.reference) })),
    missing: d.missing,
    asOf: d.asOf,
  };
}

/** JSON with sorted keys, so the same entry always gives the same text whatever the client's key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The identity of a feedback entry: a retried POST of the same entry has the same key and is stored once. */
export function feedbackEntryKey(serviceId: string, e: FeedbackEntry): string {
  const text = canonical([serviceId, e.card, e.outcome, e.acceptedSuggestions ?? null, e.overrideReason ?? null, e.outcomeTimestamp]);
  return createHash('sha256').update(text).digest('hex');
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
  /** Of these uuids, the cards this service issued (and still keeps), with their suggestion ids. */
  issuedSuggestions(serviceId: string, uuids: string[]): Promise<Map<string, string[]>>;
  /** Stores all entries or none; an entry identical to one already stored is not stored again. Resolves with how many were new. */
  recordFeedback(serviceId: string, entries: FeedbackEntry[], receivedAt: string): Promise<number>;
  /** Deletes issued cards older than the ISO time that no feedback answers; resolves with how many. */
  purgeIssuedBefore(iso: string): Promise<number>;
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
  suggestion_ids?: string | null | unknown;
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
      suggestionIds: (json(row.suggestion_ids ?? null) as string[] | null) ?? [],
      issuedAt: row.issued_at,
    },
  };
}

export const FEEDBACK_SELECT = `
  SELECT f.id, f.service_id, f.card_uuid, f.outcome, f.accepted_suggestions, f.override_reason,
         f.outcome_timestamp, f.received_at, c.hook_instance, c.order_ref, c.outcome AS card_outcome,
         c.determination, c.issued_at, c.suggestion_ids
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
    issuedSuggestions: (serviceId, uuids) => store.issuedSuggestions(serviceId, uuids).catch(down),
    recordFeedback: (serviceId, entries, at) => store.recordFeedback(serviceId, entries, at).catch(down),
    purgeIssuedBefore: (iso) => store.purgeIssuedBefore(iso).catch(down),
    feedbackFor: (uuid) => store.feedbackFor(uuid).catch(down),
    // A replay cannot be ruled out while the store is down: the caller gets a 503, not a pass.
    firstUse: (key, exp) => store.firstUse(key, exp).catch(down),
  };
}

/**
 * Issued cards no feedback answers are kept for `retentionDays` (ISSUED_CARD_RETENTION_DAYS), then
 * deleted: at open, and after every PURGE_EVERY issued batches. Cards that feedback answers stay with
 * their feedback, so no stored feedback ever loses the determination it was about.
 */
export function withRetention(store: FeedbackStore, retentionDays: number | undefined, now: () => number = Date.now): FeedbackStore {
  if (!retentionDays) return store;
  const PURGE_EVERY = 500;
  let calls = 0;
  const purge = () => store.purgeIssuedBefore(new Date(now() - retentionDays * 86_400_000).toISOString());
  void purge().catch(() => undefined);
  return {
    ...store,
    async recordIssued(cards) {
      await store.recordIssued(cards);
      if (++calls % PURGE_EVERY === 0) await purge().catch(() => undefined);
    },
  };
}
