// Queue-mode storage in PostgreSQL, beside pg-boss's own schema: one row per review, one per
// partition (its state, who holds it, how many patients it had), and one per determination keyed
// by review, patient and order. Writes are idempotent — a retried partition inserts with
// ON CONFLICT DO NOTHING and re-marks itself done with the same counts — so a worker killed
// mid-partition, or a partition run twice after its lease ran out, leaves each row exactly once.
import { hostname } from 'node:os';
import pg from 'pg';
import type { Outcome } from '../criteria';
import type { DeterminationRow, PartitionCounts, RowSink } from './evaluate-partition';
import { QueueError, redactUrl } from './queue-errors';

export { QueueError, redactUrl };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sij_review (
    id text PRIMARY KEY,
    export_dir text NOT NULL,
    work_dir text NOT NULL,
    partitions int NOT NULL,
    threads int NOT NULL,
    skipped int NOT NULL,
    dropped int NOT NULL,
    as_of text,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS sij_review_partition (
    review text NOT NULL REFERENCES sij_review (id) ON DELETE CASCADE,
    partition int NOT NULL,
    state text NOT NULL,
    worker text,
    attempts int NOT NULL DEFAULT 0,
    patients int,
    orders int,
    skipped int,
    dropped int,
    started_at timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (review, partition)
  );
  CREATE TABLE IF NOT EXISTS sij_determination (
    review text NOT NULL REFERENCES sij_review (id) ON DELETE CASCADE,
    patient text NOT NULL,
    order_ref text NOT NULL,
    outcome text NOT NULL,
    policy text NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (review, patient, order_ref)
  );
`;

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'sij-review' });
  try {
    await client.connect();
  } catch (e) {
    throw new QueueError(`cannot reach the queue database at ${redactUrl(url)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // A lost connection surfaces on the next query; without a listener it would crash the process.
  client.on('error', () => {});
  return client;
}

/** Create the tables once; an advisory lock keeps two processes from racing on CREATE. */
export async function ensureSchema(client: pg.Client): Promise<void> {
  await client.query("SELECT pg_advisory_lock(hashtext('sij_review_schema'))");
  try {
    await client.query(SCHEMA);
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('sij_review_schema'))");
  }
}

export interface ReviewRecord {
  id: string;
  exportDir: string;
  workDir: string;
  partitions: number;
  threads: number;
  skipped: number;
  dropped: number;
  asOf?: string;
}

export async function createReview(client: pg.Client, r: ReviewRecord): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('INSERT INTO sij_review (id, export_dir, work_dir, partitions, threads, skipped, dropped, as_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [r.id, r.exportDir, r.workDir, r.partitions, r.threads, r.skipped, r.dropped, r.asOf ?? null]);
    await client.query("INSERT INTO sij_review_partition (review, partition, state) SELECT $1, p, 'queued' FROM generate_series(0, $2 - 1) AS p", [r.id, r.partitions]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    if ((e as { code?: string }).code === '23505') throw new QueueError(`a review named ${r.id} already exists in this database; choose another --review name`);
    throw e;
  }
}

export interface ReviewProgress {
  done: number;
  total: number;
  patients: number;
}

export async function reviewProgress(client: pg.Client, review: string): Promise<ReviewProgress> {
  const { rows } = await client.query<{ done: string; total: string; patients: string | null }>(
    "SELECT count(*) FILTER (WHERE state = 'done') AS done, count(*) AS total, sum(patients) FILTER (WHERE state = 'done') AS patients FROM sij_review_partition WHERE review = $1",
    [review],
  );
  return { done: Number(rows[0]!.done), total: Number(rows[0]!.total), patients: Number(rows[0]!.patients ?? 0) };
}

export interface StoredSummary {
  patients: number;
  orders: number;
  byOutcome: Record<Outcome, number>;
  byPolicy: Record<string, number>;
  skipped: number;
  dropped: number;
}

/** The figures of the local run's summary, from what the workers stored. */
export async function reviewSummary(client: pg.Client, review: string): Promise<StoredSummary> {
  const head = await client.query<{ skipped: number; dropped: number; patients: string | null }>(
    `SELECT r.skipped + coalesce(p.skipped, 0) AS skipped, r.dropped + coalesce(p.dropped, 0) AS dropped, p.patients
     FROM sij_review r, LATERAL (SELECT sum(patients) AS patients, sum(skipped)::int AS skipped, sum(dropped)::int AS dropped FROM sij_review_partition WHERE review = r.id) p
     WHERE r.id = $1`,
    [review],
  );
  if (!head.rows[0]) throw new QueueError(`no review named ${review} in this database`);
  const byOutcome: Record<Outcome, number> = { 'not-medically-necessary': 0, 'criteria-not-met': 0, 'documentation-needed': 0, 'criteria-met': 0 };
  const byPolicy: Record<string, number> = {};
  let orders = 0;
  const groups = await client.query<{ outcome: Outcome; policy: string; n: string }>('SELECT outcome, policy, count(*) AS n FROM sij_determination WHERE review = $1 GROUP BY outcome, policy', [review]);
  for (const g of groups.rows) {
    const n = Number(g.n);
    orders += n;
    byOutcome[g.outcome] = (byOutcome[g.outcome] ?? 0) + n;
    byPolicy[g.policy] = (byPolicy[g.policy] ?? 0) + n;
  }
  return { patients: Number(head.rows[0].patients ?? 0), orders, byOutcome, byPolicy, skipped: head.rows[0].skipped, dropped: head.rows[0].dropped };
}

/** Every determination line of a review, in (patient, order) order, a page at a time. */
export async function* reviewLines(client: pg.Client, review: string, page = 2000): AsyncGenerator<string> {
  let after: [string, string] = ['', ''];
  for (;;) {
    const { rows } = await client.query<{ patient: string; order_ref: string; line: string }>(
      'SELECT patient, order_ref, line FROM sij_determination WHERE review = $1 AND (patient, order_ref) > ($2, $3) ORDER BY patient, order_ref LIMIT $4',
      [review, after[0], after[1], page],
    );
    for (const r of rows) yield r.line;
    if (rows.length < page) return;
    const last = rows[rows.length - 1]!;
    after = [last.patient, last.order_ref];
  }
}

/** Where a worker thread writes one partition's determinations: batched, idempotent inserts. */
export async function pgRowSink(url: string, review: string, partition: number): Promise<RowSink & { finish(c: PartitionCounts): Promise<void>; close(): Promise<void> }> {
  const client = await connect(url);
  await client.query("UPDATE sij_review_partition SET state = 'running', worker = $3, attempts = attempts + 1, started_at = now() WHERE review = $1 AND partition = $2 AND state <> 'done'", [review, partition, `${hostname()}:${process.pid}`]);
  let rows: DeterminationRow[] = [];
  const flush = async () => {
    if (!rows.length) return;
    const batch = rows;
    rows = [];
    await client.query(
      `INSERT INTO sij_determination (review, patient, order_ref, outcome, policy, line)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (review, patient, order_ref) DO NOTHING`,
      [review, batch.map((r) => r.patient), batch.map((r) => r.order), batch.map((r) => r.outcome), batch.map((r) => r.policy), batch.map((r) => r.line)],
    );
  };
  return {
    async add(row) {
      rows.push(row);
      if (rows.length >= 500) await flush();
    },
    async finish(c) {
      await flush();
      await client.query("UPDATE sij_review_partition SET state = 'done', patients = $3, orders = $4, skipped = $5, dropped = $6, finished_at = now() WHERE review = $1 AND partition = $2", [review, partition, c.patients, c.orders, c.skipped, c.dropped]);
    },
    close: () => client.end(),
  };
}
