// Queue mode, the enqueuing side: `npm run evaluate -- --ndjson <dir> --queue <postgres-url>`.
// Splits the export here (pass 1, the same code as the local run) into a work folder that the
// workers can reach, records the review in PostgreSQL, enqueues one pg-boss job per partition, then
// follows the review's progress from the database until every partition is done, exports the
// determinations as NDJSON and prints the local run's summary table. Workers (worker.ts) do pass 2.
import { mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import PgBoss from 'pg-boss';
import type { BatchSummary, Progress } from './batch';
import { DEFAULT_PARTITION_BYTES, splitExport } from './batch';
import { connect, createReview, ensureSchema, QueueError, redactUrl, reviewLines, reviewProgress, reviewSummary } from './determination-store';
import { startThread } from './thread-pool';

/** The one pg-boss queue every review's partitions go to; a job's data names its review. */
export const QUEUE = 'sij-review-partition';

export interface PartitionJobData {
  review: string;
  work: string;
  partition: number;
  threads: number;
  asOf?: string;
}

export interface EnqueueOptions {
  dir: string;
  url: string;
  out: NodeJS.WritableStream;
  review?: string;
  /** Where partition files go; every worker must reach it at the same path. */
  work?: string;
  asOf?: string;
  partitionBytes?: number;
  /** Seconds a worker may hold a partition before it counts as lost and is retried. */
  jobTimeout?: number;
  threads?: number;
  pollMs?: number;
  onProgress?: (p: Progress & { active?: number }) => void;
}

export function startBoss(url: string, extra: ConstructorParameters<typeof PgBoss>[0] & object = {}): PgBoss {
  const boss = new PgBoss({ connectionString: url, max: 4, schedule: false, application_name: 'sij-review', ...extra });
  // pg-boss reports connection trouble as events; unheard, an 'error' event would end the process.
  boss.on('error', (e) => process.stderr.write(`queue: ${(e as Error).message.replaceAll(url, redactUrl(url))}\n`));
  return boss;
}

const newReviewId = () => `review-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(36).slice(2, 6)}`;

/** Failed jobs (retries used up) of one review, with the message the worker recorded. */
async function failures(client: Awaited<ReturnType<typeof connect>>, review: string): Promise<string[]> {
  const { rows } = await client.query<{ partition: string; message: string | null }>(
    `SELECT data->>'partition' AS partition, coalesce(output->>'message', output->'value'->>'message') AS message FROM pgboss.job
     WHERE name = $1 AND state = 'failed' AND data->>'review' = $2`,
    [QUEUE, review],
  );
  return rows.map((r) => `partition ${r.partition}: ${r.message ?? 'failed'}`);
}

export async function enqueueReview(opts: EnqueueOptions): Promise<BatchSummary & { review: string }> {
  const started = Date.now();
  const review = opts.review ?? newReviewId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(review)) throw new QueueError(`--review takes letters, digits, ".", "_" and "-", not "${review}"`);
  const work = resolve(opts.work ?? join(opts.dir, '.review', review));
  const client = await connect(opts.url);
  const boss = startBoss(opts.url, { supervise: false });
  try {
    await ensureSchema(client);
    await boss.start();
    await boss.createQueue(QUEUE);

    // Before splitting, not after: a taken name should cost nothing.
    if ((await client.query('SELECT 1 FROM sij_review WHERE id = $1', [review])).rowCount) throw new QueueError(`a review named ${review} already exists in this database; choose another --review name`);
    mkdirSync(work, { recursive: true });
    const pool = Array.from({ length: Math.max(1, opts.threads ?? availableParallelism()) }, () => startThread());
    let split;
    try {
      split = await splitExport(pool, opts.dir, work, opts.partitionBytes ?? DEFAULT_PARTITION_BYTES, opts.onProgress);
      await createReview(client, { id: review, exportDir: resolve(opts.dir), workDir: work, partitions: split.partitions, threads: split.threads, skipped: split.skipped, dropped: split.dropped, asOf: opts.asOf });
    } catch (e) {
      // Nothing is enqueued yet: the partition files are no use to anyone.
      rmSync(work, { recursive: true, force: true });
      throw e;
    } finally {
      await Promise.all(pool.map((t) => t.stop()));
    }
    const jobs = Array.from({ length: split.partitions }, (_, partition) => ({
      name: QUEUE,
      data: { review, work, partition, threads: split.threads, asOf: opts.asOf } satisfies PartitionJobData,
      // A worker that dies holds its job until the lease runs out; then the job is retried.
      expireInSeconds: opts.jobTimeout ?? 300,
      retryLimit: 5,
      retryDelay: 1,
    }));
    for (let i = 0; i < jobs.length; i += 500) await boss.insert(jobs.slice(i, i + 500));

    // Follow the review from the database: the workers mark each partition done in the same
    // connection that wrote its determinations.
    for (;;) {
      const p = await reviewProgress(client, review);
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'active' AND data->>'review' = $2`, [QUEUE, review]);
      opts.onProgress?.({ phase: 'evaluate', done: p.done, total: p.total, active: Number(rows[0]!.n) });
      if (p.done === p.total) break;
      const failed = await failures(client, review);
      if (failed.length) throw new QueueError(`review ${review} stopped: ${failed.length} partition(s) failed after every retry (${failed.slice(0, 3).join('; ')}). The determinations stored so far stay in the database.`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }

    for await (const line of reviewLines(client, review)) if (!opts.out.write(`${line}\n`)) await once(opts.out, 'drain');
    const s = await reviewSummary(client, review);
    rmSync(work, { recursive: true, force: true });
    return { review, patients: s.patients, orders: s.orders, byOutcome: s.byOutcome, byPolicy: s.byPolicy, skippedLines: s.skipped, droppedResources: s.dropped, seconds: (Date.now() - started) / 1000 };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    await client.end().catch(() => {});
  }
}
