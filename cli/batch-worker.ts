// Worker thread for batch review, one job at a time: either pass 1 over some byte ranges of the
// export (partition.ts), or pass 2 over one partition (evaluate-partition.ts) with its
// determinations written to a part file (local run) or to PostgreSQL (queue worker). Loads the
// policy library once per thread and keeps the shared index open between partitions.
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { PolicyLibrary } from '../criteria';
import { loadLibraryFromDisk } from '../server/policy-files';
import { evaluatePartition, type PartitionCounts, type PartitionInput, type RowSink } from './evaluate-partition';
import { sharedIndexFile, splitRanges, writeAll, type SplitJob, type SplitResult } from './partition';
import { openSharedIndex, type SharedReader } from './shared-index';

export type ThreadJob =
  | { kind: 'split'; job: SplitJob }
  | { kind: 'evaluate'; input: PartitionInput; sink: { kind: 'file'; path: string } | { kind: 'pg'; url: string; review: string } };

export type ThreadResult = { kind: 'split'; result: SplitResult } | { kind: 'evaluate'; counts: PartitionCounts };

let library: PolicyLibrary | undefined;
let index: { work: string; reader: SharedReader } | undefined;

function sharedIndex(work: string, threads: number): SharedReader {
  if (index?.work !== work) {
    index?.reader.close();
    index = { work, reader: openSharedIndex(Array.from({ length: threads }, (_, t) => sharedIndexFile(work, t))) };
  }
  return index.reader;
}

/** Bytes a part file is written in: ~256 KB writes, with room for one more line. */
const SINK_CHUNK = 256 * 1024;

/**
 * Determinations to a part file, each line encoded at once into one reused buffer: no pending
 * strings to survive collections and be promoted, and no joined copy of them per write.
 */
function fileSink(path: string): RowSink & { close(): void } {
  const fd = openSync(path, 'w');
  const buf = Buffer.allocUnsafe(2 * SINK_CHUNK);
  let used = 0;
  const flush = () => {
    writeAll(fd, buf, used);
    used = 0;
  };
  return {
    add(row) {
      // A UTF-16 code unit is at most 3 bytes of UTF-8, so a line this size is sure to fit.
      const most = 3 * row.line.length + 1;
      if (used + most > buf.length) flush();
      if (most > buf.length) {
        const bytes = Buffer.from(`${row.line}\n`);
        writeAll(fd, bytes, bytes.length);
      } else {
        used += buf.write(row.line, used);
        buf[used++] = 10;
        if (used >= SINK_CHUNK) flush();
      }
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

export async function runThreadJob(job: ThreadJob): Promise<ThreadResult> {
  if (job.kind === 'split') return { kind: 'split', result: await splitRanges(job.job, (bytes) => parentPort?.postMessage({ progress: bytes })) };
  library ??= loadLibraryFromDisk();
  const reader = sharedIndex(job.input.work, job.input.threads);
  if (job.sink.kind === 'file') {
    const sink = fileSink(job.sink.path);
    try {
      return { kind: 'evaluate', counts: await evaluatePartition(library, reader, job.input, sink) };
    } finally {
      sink.close();
    }
  }
  // Loaded here, so that a local run's threads never load pg.
  const { pgRowSink } = await import('./determination-store');
  const sink = await pgRowSink(job.sink.url, job.sink.review, job.input.partition);
  try {
    const counts = await evaluatePartition(library, reader, job.input, sink);
    await sink.finish(counts);
    return { kind: 'evaluate', counts };
  } finally {
    await sink.close();
  }
}

/** Error text that is safe to log: our own messages, but only the kind of an unexpected error (a
 * parser's message can quote the record). */
export function safeMessage(e: unknown): string {
  if (e instanceof Error && (e.name === 'MissingPartitionError' || (e as NodeJS.ErrnoException).code === 'ENOENT' || e.name === 'QueueError')) return e.message;
  return `unexpected ${e instanceof Error ? e.name : typeof e}`;
}

parentPort?.on('message', (job: ThreadJob) => {
  runThreadJob(job).then(
    (r) => parentPort!.postMessage({ ok: true, result: r }),
    (e: unknown) => parentPort!.postMessage({ ok: false, error: safeMessage(e) }),
  );
});
