// Batch review of FHIR Bulk Data ($export) output: <dir>/*.ndjson in, determinations out as NDJSON.
// Two passes, both on worker threads, with memory bounded whatever the export's size:
//   1. split (partition.ts): every file is read in byte ranges; each resource goes to the partition
//      file of the patient it belongs to, each shared resource (payer, practitioner, site) to an
//      on-disk index (shared-index.ts), one shard per thread;
//   2. evaluate (evaluate-partition.ts): one partition at a time per thread, each patient joined
//      only to the shared resources its own resources name.
// The queue mode (queue.ts) runs pass 1 the same way and hands pass 2 to worker processes.
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownersOf, type Outcome } from '../criteria';
import { addCounts, emptyCounts, type PartitionCounts } from './evaluate-partition';
import { byteRanges, type SplitResult } from './partition';
import { runAll, startThread, type Thread } from './thread-pool';

export interface BatchOptions {
  dir: string;
  out: NodeJS.WritableStream;
  asOf?: string;
  /** Target bytes per partition; the partition count follows from the input size. */
  partitionBytes?: number;
  onProgress?: (p: Progress) => void;
  /** Worker threads; default: one per core. */
  workers?: number;
}

export interface Progress {
  phase: 'partition' | 'evaluate';
  done: number;
  total: number;
}

export interface BatchSummary {
  patients: number;
  orders: number;
  byOutcome: Record<Outcome, number>;
  byPolicy: Record<string, number>;
  skippedLines: number;
  /** Resources that name more than one patient, or a subject that is not a patient. */
  droppedResources: number;
  seconds: number;
  /** Peak resident memory of the process, and its CPU time over every thread, when measured. */
  peakRssMb?: number;
  cpuSeconds?: number;
}

/** The patient a resource belongs to, when every owner it names (ownersOf) is that one patient. */
export function patientOf(r: Record<string, unknown>): string | undefined {
  const owners = ownersOf(r);
  const first = owners[0];
  return first && !first.startsWith('\u0000') && owners.every((o) => o === first) ? first : undefined;
}

/** Input bytes per partition: what one thread holds at a time in pass 2 (as text). */
export const DEFAULT_PARTITION_BYTES = 16 * 1024 * 1024;

/** Partition files stay few enough to keep open at once, whatever the export's size. */
export const MAX_PARTITIONS = 1024;

export interface SplitOutcome {
  partitions: number;
  threads: number;
  skipped: number;
  dropped: number;
  resources: number;
  shared: number;
}

export function exportFiles(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort().map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no .ndjson files in ${dir}`);
  return files;
}

/** Pass 1 into `work`: partition files and a shard of the shared index for each of `threads` split jobs. */
export async function splitExport(pool: Thread[], dir: string, work: string, partitionBytes: number, onProgress?: (p: Progress) => void): Promise<SplitOutcome> {
  const files = exportFiles(dir);
  const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const threads = pool.length;
  const partitions = Math.min(MAX_PARTITIONS, Math.max(threads, Math.ceil(totalBytes / partitionBytes)));
  // Ranges of ~1/4 of a thread's share, dealt to whichever thread has the least so far.
  const ranges = byteRanges(files, Math.max(1024 * 1024, Math.ceil(totalBytes / (threads * 4))));
  const shares = Array.from({ length: threads }, () => ({ bytes: 0, ranges: [] as typeof ranges }));
  for (const r of ranges.sort((a, b) => b.end - b.start - (a.end - a.start))) {
    const s = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    s.ranges.push(r);
    s.bytes += r.end - r.start;
  }
  const out: SplitOutcome = { partitions, threads, skipped: 0, dropped: 0, resources: 0, shared: 0 };
  let read = 0;
  const jobs = shares.map((s, thread) => ({ kind: 'split' as const, job: { ranges: s.ranges, work, thread, partitions } }));
  await runAll(pool, jobs, (_job, r) => {
    const res = (r as { result: SplitResult }).result;
    out.skipped += res.skipped;
    out.dropped += res.dropped;
    out.resources += res.resources;
    out.shared += res.shared;
  }, (bytes) => onProgress?.({ phase: 'partition', done: (read += bytes), total: totalBytes }));
  onProgress?.({ phase: 'partition', done: totalBytes, total: totalBytes });
  return out;
}

const pipeFile = (file: string, out: NodeJS.WritableStream) =>
  new Promise<void>((res, rej) => {
    const input = createReadStream(file);
    input.on('error', rej);
    input.on('end', res);
    input.pipe(out, { end: false });
  });

export async function reviewBulkExport(opts: BatchOptions): Promise<BatchSummary> {
  const started = Date.now();
  exportFiles(opts.dir);
  const work = mkdtempSync(join(tmpdir(), 'bulk-review-'));
  const pool = Array.from({ length: Math.max(1, opts.workers ?? availableParallelism()) }, () => startThread());
  const total: PartitionCounts = emptyCounts();
  let split: SplitOutcome;
  try {
    split = await splitExport(pool, opts.dir, work, opts.partitionBytes ?? DEFAULT_PARTITION_BYTES, opts.onProgress);
    // Pass 2: partitions are independent; the parts are appended to the output in partition order
    // (serialised, so two threads finishing together cannot interleave their parts).
    const ready: boolean[] = new Array(split.partitions).fill(false);
    let written = 0;
    let finished = 0;
    let appending: Promise<void> = Promise.resolve();
    const appendReady = async () => {
      while (written < split.partitions && ready[written]) await pipeFile(join(work, `out${written++}.ndjson`), opts.out);
    };
    const jobs = Array.from({ length: split.partitions }, (_, partition) => ({
      kind: 'evaluate' as const,
      input: { work, partition, threads: split.threads, asOf: opts.asOf },
      sink: { kind: 'file' as const, path: join(work, `out${partition}.ndjson`) },
    }));
    await runAll(pool, jobs, async (job, r) => {
      addCounts(total, (r as { counts: PartitionCounts }).counts);
      ready[job.input.partition] = true;
      opts.onProgress?.({ phase: 'evaluate', done: ++finished, total: split.partitions });
      await (appending = appending.then(appendReady));
    });
    await appending;
  } finally {
    await Promise.all(pool.map((t) => t.stop()));
    rmSync(work, { recursive: true, force: true });
  }
  return {
    patients: total.patients,
    orders: total.orders,
    byOutcome: total.byOutcome,
    byPolicy: total.byPolicy,
    skippedLines: split.skipped + total.skipped,
    droppedResources: split.dropped + total.dropped,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The summary a reviewer reads at the end of a run, local or queued. */
export function summaryTable(s: BatchSummary): string {
  const rows: [string, string][] = [
    ['patients', String(s.patients)],
    ['in-scope orders', String(s.orders)],
    ...Object.entries(s.byOutcome).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ...Object.entries(s.byPolicy).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]): [string, string] => [`  under ${k}`, String(v)]),
    ['lines skipped (not JSON, no patient)', String(s.skippedLines)],
    ['resources dropped (several patients, or no patient subject)', String(s.droppedResources)],
    ['seconds', s.seconds.toFixed(2)],
    ['patients per second', s.seconds > 0 ? Math.round(s.patients / s.seconds).toString() : '-'],
    ...(s.peakRssMb !== undefined ? [['peak memory (RSS)', `${Math.round(s.peakRssMb)} MB`] as [string, string]] : []),
    ...(s.cpuSeconds !== undefined ? [['CPU seconds (all threads)', s.cpuSeconds.toFixed(1)] as [string, string]] : []),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** A one-line progress bar for a terminal. */
export function progressBar(p: Progress, width = 30): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(frac * width);
  return `${p.phase === 'partition' ? 'reading  ' : 'reviewing'} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}%`;
}
