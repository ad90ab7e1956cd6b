// npm run worker -- --queue <postgres-url> [--threads <n>] [--maintenance-seconds <s>]
// A queue worker: takes partition jobs of any review from pg-boss, one per thread, evaluates them
// (evaluate-partition.ts) and writes the determinations idempotently to PostgreSQL. Run as many as
// you like, on any machine that reaches the database and the reviews' work folders. SIGTERM or
// SIGINT stops taking jobs and lets running ones finish; a worker killed outright loses nothing —
// its jobs are retried once their lease runs out. Logs partition numbers and counts, never
// patient data.
import { availableParallelism, hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { ensureSchema, connect, QueueError, redactUrl } from './determination-store';
import type { PartitionCounts } from './evaluate-partition';
import { QUEUE, startBoss, type PartitionJobData } from './queue';
import { startThread, type Thread } from './thread-pool';

class UsageError extends Error {}

interface WorkerArgs {
  url: string;
  threads: number;
  maintenanceSeconds: number;
}

export function parseWorkerArgs(argv: string[]): WorkerArgs {
  const args: Partial<WorkerArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const count = (v: string, min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`${a} takes a whole number of at least ${min}, not "${v}"`);
      return n;
    };
    if (a === '--queue') args.url = value();
    else if (a === '--threads') args.threads = count(value(), 1);
    else if (a === '--maintenance-seconds') args.maintenanceSeconds = count(value(), 1);
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!args.url) throw new UsageError('usage: npm run worker -- --queue <postgres-url> [--threads <n>] [--maintenance-seconds <s>]');
  if (!/^postgres(ql)?:\/\//.test(args.url)) throw new UsageError(`--queue takes a postgres:// URL, not "${redactUrl(args.url)}"`);
  return { url: args.url, threads: args.threads ?? availableParallelism(), maintenanceSeconds: args.maintenanceSeconds ?? 15 };
}

const log = (s: string) => process.stdout.write(`${new Date().toISOString()} worker ${hostname()}:${process.pid} ${s}\n`);

export async function runWorker(args: WorkerArgs): Promise<() => Promise<void>> {
  const client = await connect(args.url);
  try {
    await ensureSchema(client);
  } finally {
    await client.end();
  }
  // Every worker supervises: whichever runs maintenance first in an interval expires the jobs of
  // workers that died, so their partitions are retried.
  const boss: PgBoss = startBoss(args.url, { supervise: true, maintenanceIntervalSeconds: args.maintenanceSeconds });
  await boss.start();
  await boss.createQueue(QUEUE);
  const slots: Thread[] = Array.from({ length: args.threads }, () => startThread());
  const ids: string[] = [];
  for (let s = 0; s < slots.length; s++) {
    ids[s] = await boss.work<PartitionJobData>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      const d = job!.data;
      const started = Date.now();
      log(`partition ${d.partition} of ${d.review} started`);
      try {
        const r = await slots[s]!.run({ kind: 'evaluate', input: { work: d.work, partition: d.partition, threads: d.threads, asOf: d.asOf }, sink: { kind: 'pg', url: args.url, review: d.review } });
        const c = (r as { counts: PartitionCounts }).counts;
        log(`partition ${d.partition} of ${d.review} done: ${c.patients} patients, ${c.orders} determinations in ${((Date.now() - started) / 1000).toFixed(2)} s`);
      } catch (e) {
        log(`partition ${d.partition} of ${d.review} failed: ${(e as Error).message}`);
        // The thread may be the casualty (out of memory): give the slot a fresh one.
        await slots[s]!.stop().catch(() => {});
        slots[s] = startThread();
        throw e;
      } finally {
        // More partitions are likely waiting: fetch again now rather than after the polling interval.
        boss.notifyWorker(ids[s]!);
      }
    });
  }
  log(`ready: ${args.threads} thread(s) on queue ${QUEUE} at ${redactUrl(args.url)}`);
  return async () => {
    await boss.stop({ graceful: true, wait: true, timeout: 60_000 });
    await Promise.all(slots.map((t) => t.stop()));
  };
}

const isMain = process.argv[1]?.endsWith('worker.ts');
if (isMain) {
  try {
    const stop = await runWorker(parseWorkerArgs(process.argv.slice(2)));
    let stopping = false;
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        if (stopping) return;
        stopping = true;
        log('stopping: finishing running partitions');
        stop().then(() => process.exit(0), () => process.exit(1));
      });
    }
  } catch (e) {
    process.stderr.write(`worker: ${e instanceof UsageError || e instanceof QueueError ? e.message : `unexpected error (${(e as Error).name})`}\n`);
    process.exit(2);
  }
}
