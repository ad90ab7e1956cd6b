// Batch review of FHIR Bulk Data ($export) output: <dir>/*.ndjson in, determinations out as NDJSON.
// Memory stays bounded whatever the export's size: pass 1 streams every file line by line into
// partition files by a hash of the patient each resource belongs to; pass 2 loads one partition at a
// time, groups it by patient and evaluates. Only shared reference data (Organization, Location —
// payers and sites, few whatever the population) is held for the whole run.
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Outcome } from '../criteria';
import type { PartitionJob, PartitionResult } from './batch-worker';

/** A worker thread running batch-worker.ts, one job at a time. */
function startWorker(): { run(job: PartitionJob): Promise<PartitionResult>; stop(): Promise<void> } {
  const worker = new Worker(new URL('./batch-worker-entry.mjs', import.meta.url));
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        worker.once('error', onError);
        worker.once('message', (m: { ok: boolean; result?: PartitionResult; error?: string }) => {
          worker.off('error', onError);
          if (m.ok) resolve(m.result!);
          else reject(new Error(m.error));
        });
        worker.postMessage(job);
      }),
    stop: async () => {
      await worker.terminate();
    },
  };
}

export interface BatchOptions {
  dir: string;
  out: NodeJS.WritableStream;
  asOf?: string;
  /** Target bytes per partition; the partition count follows from the input size. */
  partitionBytes?: number;
  onProgress?: (p: Progress) => void;
  /** Worker threads for evaluation; default: one per core. */
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
  seconds: number;
}

const SHARED_TYPES = new Set(['Organization', 'Location', 'Practitioner', 'PractitionerRole']);

/** The patient a resource belongs to: itself, or its subject / patient / beneficiary reference. */
export function patientOf(r: Record<string, unknown>): string | undefined {
  if (r.resourceType === 'Patient') return typeof r.id === 'string' ? r.id : undefined;
  for (const key of ['subject', 'patient', 'beneficiary']) {
    const ref = (r[key] as { reference?: unknown } | undefined)?.reference;
    if (typeof ref === 'string' && ref.startsWith('Patient/')) return ref.slice('Patient/'.length);
  }
  return undefined;
}

/** FNV-1a: a stable, fast string hash for choosing a partition. */
const hash = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

const write = async (stream: NodeJS.WritableStream, chunk: string): Promise<void> => {
  if (!stream.write(chunk)) await once(stream, 'drain');
};

/** Collects small writes into ~256 KB chunks: one await per chunk instead of per line. */
class Buffered {
  private parts: string[] = [];
  private size = 0;
  constructor(readonly stream: NodeJS.WritableStream) {}
  async add(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 256 * 1024) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await write(this.stream, chunk);
  }
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}

export async function reviewBulkExport(opts: BatchOptions): Promise<BatchSummary> {
  const started = Date.now();
  const files = readdirSync(opts.dir).filter((f) => f.endsWith('.ndjson')).sort().map((f) => join(opts.dir, f));
  if (files.length === 0) throw new Error(`no .ndjson files in ${opts.dir}`);
  const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const partitions = Math.max(opts.workers ?? availableParallelism(), Math.ceil(totalBytes / (opts.partitionBytes ?? 32 * 1024 * 1024)));
  const work = mkdtempSync(join(tmpdir(), 'bulk-review-'));
  const shared: unknown[] = [];
  const summary: BatchSummary = {
    patients: 0,
    orders: 0,
    byOutcome: { 'not-medically-necessary': 0, 'criteria-not-met': 0, 'documentation-needed': 0, 'criteria-met': 0 },
    byPolicy: {},
    skippedLines: 0,
    seconds: 0,
  };
  try {
    // Pass 1: partition by patient.
    const streams: WriteStream[] = Array.from({ length: partitions }, (_, i) => createWriteStream(join(work, `p${i}.ndjson`)));
    const writers = streams.map((w) => new Buffered(w));
    let readBytes = 0;
    let count = 0;
    for (const file of files) {
      for await (const line of lines(file)) {
        readBytes += Buffer.byteLength(line) + 1;
        let r: Record<string, unknown>;
        try {
          r = JSON.parse(line) as Record<string, unknown>;
        } catch {
          summary.skippedLines++;
          continue;
        }
        if (!r || typeof r !== 'object' || typeof r.resourceType !== 'string') {
          summary.skippedLines++;
          continue;
        }
        if (SHARED_TYPES.has(r.resourceType)) {
          shared.push(r);
          continue;
        }
        const patient = patientOf(r);
        if (!patient) {
          summary.skippedLines++;
          continue;
        }
        await writers[hash(patient) % partitions]!.add(`${patient}\t${line}\n`);
        if (++count % 2000 === 0) opts.onProgress?.({ phase: 'partition', done: readBytes, total: totalBytes });
      }
    }
    for (const w of writers) await w.flush();
    await Promise.all(streams.map((w) => new Promise<void>((res, rej) => w.end((e?: Error | null) => (e ? rej(e) : res())))));
    opts.onProgress?.({ phase: 'partition', done: totalBytes, total: totalBytes });

    // Pass 2: partitions are independent; worker threads evaluate them in parallel, each holding
    // one partition at a time, and the parts are appended to the output in partition order.
    const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), partitions));
    const pool = Array.from({ length: workers }, () => startWorker());
    try {
      let nextPartition = 0;
      let finished = 0;
      const results: (PartitionResult | undefined)[] = new Array(partitions);
      let written = 0;
      // Serialised: two workers finishing together must not append the same part twice.
      let flushing: Promise<void> = Promise.resolve();
      const flushInOrder = () => (flushing = flushing.then(appendReady));
      const appendReady = async () => {
        while (written < partitions && results[written]) {
          await new Promise<void>((res, rej) => {
            const input = createReadStream(join(work, `out${written}.ndjson`));
            input.on('error', rej);
            input.on('end', res);
            input.pipe(opts.out as NodeJS.WritableStream, { end: false });
          });
          written++;
        }
      };
      await Promise.all(
        pool.map(async (w) => {
          while (nextPartition < partitions) {
            const i = nextPartition++;
            const r = await w.run({ input: join(work, `p${i}.ndjson`), output: join(work, `out${i}.ndjson`), shared, asOf: opts.asOf });
            results[i] = r;
            summary.patients += r.patients;
            for (const o of r.outcomes) summary.byOutcome[o]++;
            for (const p of r.policies) summary.byPolicy[p] = (summary.byPolicy[p] ?? 0) + 1;
            summary.orders += r.outcomes.length;
            opts.onProgress?.({ phase: 'evaluate', done: ++finished, total: partitions });
            await flushInOrder();
          }
        }),
      );
      await flushInOrder();
    } finally {
      await Promise.all(pool.map((w) => w.stop()));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** The summary a reviewer reads at the end of a run. */
export function summaryTable(s: BatchSummary): string {
  const rows: [string, string][] = [
    ['patients', String(s.patients)],
    ['in-scope orders', String(s.orders)],
    ...Object.entries(s.byOutcome).map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    ...Object.entries(s.byPolicy).sort((a, b) => b[1] - a[1]).map(([k, v]): [string, string] => [`  under ${k}`, String(v)]),
    ['lines skipped (not JSON, no patient)', String(s.skippedLines)],
    ['seconds', s.seconds.toFixed(2)],
    ['patients per second', s.seconds > 0 ? Math.round(s.patients / s.seconds).toString() : '-'],
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
