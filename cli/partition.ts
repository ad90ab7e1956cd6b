// Pass 1 of a batch review: split a Bulk Data export by patient. Each resource goes to the partition
// of the patient it belongs to (criteria/compartment.ts's ownersOf: its subject, patient or
// beneficiary); shared resources go to the SQLite index (shared-index.ts). Files are read as byte
// ranges so that several threads can split one large file; each thread writes its own partition
// files (p<P>.t<thread>.ndjson, lines "patient<TAB>resource") and its own shared file, which the
// caller loads into the index. Nothing is held in memory beyond one read chunk and write buffers.
import { closeSync, createWriteStream, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { ownersOf, SHARED_TYPES } from '../criteria';

export interface ByteRange {
  file: string;
  start: number;
  end: number;
}

export interface SplitJob {
  ranges: ByteRange[];
  work: string;
  thread: number;
  partitions: number;
}

export interface SplitResult {
  resources: number;
  /** Lines that are not JSON resources, or name no patient. */
  skipped: number;
  /** Resources naming more than one patient, or a subject that is not a Patient: nobody's. */
  dropped: number;
  shared: number;
  bytes: number;
}

/** FNV-1a: a stable, fast string hash for choosing a partition. */
export const hash = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

export const partitionFile = (work: string, partition: number, thread: number): string => join(work, `p${partition}.t${thread}.ndjson`);
export const sharedFile = (work: string, thread: number): string => join(work, `shared.t${thread}.ndjson`);

/** Cut files into ranges of about `size` bytes; a range owns the lines that start inside it. */
export function byteRanges(files: string[], size: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const file of files) {
    const total = statSync(file).size;
    for (let start = 0; start < total; start += size) ranges.push({ file, start, end: Math.min(total, start + size) });
  }
  return ranges;
}

/** The lines whose first byte lies in [start, end), read in 1 MB chunks. */
export function* linesInRange(range: ByteRange): Generator<string> {
  const fd = openSync(range.file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let pos = range.start > 0 ? range.start - 1 : 0;
    let carry: Buffer | undefined;
    // A range that starts mid-line leaves that line to the range before it.
    let skipping = range.start > 0;
    let lineStart = pos;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(10, from);
        if (nl === -1 || nl >= n) break;
        if (skipping) skipping = false;
        else {
          let text = carry ? Buffer.concat([carry, chunk.subarray(from, nl)]).toString('utf8') : chunk.toString('utf8', from, nl);
          if (lineStart === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
          yield text;
        }
        carry = undefined;
        from = nl + 1;
        lineStart = pos + from;
        if (lineStart >= range.end) return;
      }
      if (from < n) carry = carry ? Buffer.concat([carry, chunk.subarray(from, n)]) : Buffer.from(chunk.subarray(from, n));
      pos += n;
    }
    if (carry && !skipping && lineStart < range.end) yield carry.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Collects small writes into ~256 KB chunks: one await per chunk instead of per line. */
class Buffered {
  private parts: string[] = [];
  private size = 0;
  constructor(readonly stream: WriteStream) {}
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
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
  }
}

/** Split the given ranges into this thread's partition files and shared file. */
export async function splitRanges(job: SplitJob, onLines?: (bytes: number) => void): Promise<SplitResult> {
  const result: SplitResult = { resources: 0, skipped: 0, dropped: 0, shared: 0, bytes: 0 };
  const own = Array.from({ length: job.partitions }, (_, p) => new Buffered(createWriteStream(partitionFile(job.work, p, job.thread))));
  const shared = new Buffered(createWriteStream(sharedFile(job.work, job.thread)));
  let sinceReport = 0;
  for (const range of job.ranges) {
    for (const line of linesInRange(range)) {
      const bytes = line.length + 1;
      result.bytes += bytes;
      if ((sinceReport += bytes) > 4 * 1024 * 1024) {
        onLines?.(sinceReport);
        sinceReport = 0;
      }
      if (!line.trim()) continue;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        result.skipped++;
        continue;
      }
      if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.resourceType !== 'string') {
        result.skipped++;
        continue;
      }
      result.resources++;
      if (SHARED_TYPES.has(r.resourceType)) {
        result.shared++;
        await shared.add(`${r.resourceType}/${String(r.id)}\t${line}\n`);
        continue;
      }
      const owners = ownersOf(r);
      if (owners.length === 0) {
        result.skipped++;
        continue;
      }
      const patient = owners[0]!;
      // The isolation rule, applied here once: a resource is a patient's only if everything it
      // says it belongs to is that patient. Anything else is nobody's, and is counted, not kept.
      if (patient.startsWith('\u0000') || owners.some((o) => o !== patient)) {
        result.dropped++;
        continue;
      }
      await own[hash(patient) % job.partitions]!.add(`${patient}\t${line}\n`);
    }
  }
  if (sinceReport) onLines?.(sinceReport);
  await Promise.all([...own, shared].map((w) => w.end()));
  return result;
}
