// Pass 1 of a batch review: split a Bulk Data export by patient. Each resource goes to the partition
// of the patient it belongs to (criteria/compartment.ts's ownersOf: its subject, patient or
// beneficiary — read from the line's text when that is unambiguous, else from the parsed line);
// shared resources go to an SQLite index (shared-index.ts). Files are read as byte ranges so that
// several threads can split one large file; each thread writes its own partition files
// (p<P>.t<thread>.ndjson, lines "patient<TAB>resource") and its own shard of the shared index, so
// no step waits for one thread. Nothing is held in memory beyond one read chunk and write buffers
// of a fixed total size.
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ownersOf, patientIdOf, SHARED_TYPES } from '../criteria';
import { createSharedIndex } from './shared-index';

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
export const sharedIndexFile = (work: string, thread: number): string => join(work, `shared.t${thread}.sqlite`);

/** What a thread's partition writers buffer at most, together: fixed, however many partitions. */
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

/** Cut files into ranges of about `size` bytes; a range owns the lines that start inside it. */
export function byteRanges(files: string[], size: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const file of files) {
    const total = statSync(file).size;
    for (let start = 0; start < total; start += size) ranges.push({ file, start, end: Math.min(total, start + size) });
  }
  return ranges;
}

/** One line of a range: its text, and where its bytes are (valid until the next line is read). */
export interface RangeLine {
  text: string;
  bytes: Buffer;
  start: number;
  end: number;
}

/**
 * The lines whose first byte lies in [start, end), read in 1 MB chunks. One cursor object is
 * yielded again for every line, so that reading a line allocates only its text.
 */
export function* rangeLines(range: ByteRange): Generator<RangeLine> {
  const fd = openSync(range.file, 'r');
  const line: RangeLine = { text: '', bytes: Buffer.alloc(0), start: 0, end: 0 };
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let pos = range.start > 0 ? range.start - 1 : 0;
    let carry: Buffer | undefined;
    // A range that starts mid-line leaves that line to the range before it.
    let skipping = range.start > 0;
    let lineStart = pos;
    const at = (bytes: Buffer, start: number, end: number): RangeLine => {
      line.bytes = bytes;
      line.start = start;
      line.end = end;
      line.text = bytes.toString('utf8', start, end);
      if (lineStart === 0 && line.text.charCodeAt(0) === 0xfeff) {
        // A byte-order mark (EF BB BF): neither the text nor the bytes pass it on.
        line.text = line.text.slice(1);
        line.start += 3;
      }
      return line;
    };
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(10, from);
        if (nl === -1 || nl >= n) break;
        if (skipping) skipping = false;
        else if (carry) {
          const whole = Buffer.concat([carry, chunk.subarray(from, nl)]);
          yield at(whole, 0, whole.length);
        } else yield at(chunk, from, nl);
        carry = undefined;
        from = nl + 1;
        lineStart = pos + from;
        if (lineStart >= range.end) return;
      }
      if (from < n) carry = carry ? Buffer.concat([carry, chunk.subarray(from, n)]) : Buffer.from(chunk.subarray(from, n));
      pos += n;
    }
    if (carry && !skipping && lineStart < range.end) yield at(carry, 0, carry.length);
  } finally {
    closeSync(fd);
  }
}

/** The text of every line of a range (rangeLines without the bytes). */
export function* linesInRange(range: ByteRange): Generator<string> {
  for (const line of rangeLines(range)) yield line.text;
}

/** The first `length` bytes of `bytes` to a file, however many writeSync calls that takes. */
export function writeAll(fd: number, bytes: Buffer, length: number): void {
  for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at);
}

/**
 * One partition file of this thread, written in chunks from one buffer with writeSync: each line's
 * bytes are copied as they were read, never encoded again, and nothing waits in memory as strings
 * (that survived collections and was promoted).
 */
class PartitionWriter {
  private readonly fd: number;
  private buf: Buffer | undefined;
  private used = 0;
  constructor(
    file: string,
    readonly chunk: number,
  ) {
    this.fd = openSync(file, 'w');
  }
  /** `patient<TAB>line<LF>`, the line's bytes taken from where they were read. */
  add(patient: string, line: RangeLine): void {
    const size = 3 * patient.length + 2 + (line.end - line.start); // a UTF-16 unit is at most 3 bytes of UTF-8
    if (this.used + size > this.chunk) this.flush();
    if (size > this.chunk) {
      this.write(Buffer.from(`${patient}\t`));
      this.write(line.bytes.subarray(line.start, line.end));
      this.write(Buffer.from('\n'));
      return;
    }
    const buf = (this.buf ??= Buffer.allocUnsafe(this.chunk));
    this.used += buf.write(patient, this.used);
    buf[this.used++] = 9;
    this.used += line.bytes.copy(buf, this.used, line.start, line.end);
    buf[this.used++] = 10;
  }
  flush(): void {
    if (this.used) this.write(this.buf!.subarray(0, this.used));
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
  private write(bytes: Buffer): void {
    writeAll(this.fd, bytes, bytes.length);
  }
}

/** The owner keys (ownersOf's elements) anywhere in a line, found in one scan. */
const OWNER_KEY = /"(?:subject|patient|beneficiary)"/g;
const TYPE_PREFIX = '{"resourceType":"';

const skipSpace = (s: string, i: number): number => {
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  return i;
};

/**
 * The patient a line belongs to, read from its text without parsing it, or undefined when the
 * text is not in the plain form this reads (then the caller parses the line). Every occurrence of
 * a "subject", "patient" or "beneficiary" key, at any depth, must be a plain reference to one and
 * the same Patient: the line's top-level owners (what ownersOf would find) are then that patient
 * or none, and pass 2 checks which after it parses the line. Patient and shared resources are
 * always parsed: their own id decides.
 */
export function ownerFromText(line: string): string | undefined {
  if (!line.startsWith(TYPE_PREFIX)) return undefined;
  const typeEnd = line.indexOf('"', TYPE_PREFIX.length);
  const type = line.slice(TYPE_PREFIX.length, typeEnd);
  if (type === 'Patient' || SHARED_TYPES.has(type)) return undefined;
  let owner: string | undefined;
  // One regex scan for the three keys costs half of three indexOf scans. Matches cannot overlap in
  // JSON (a key's quote is preceded by {, comma or space, never by a letter), so none is missed.
  OWNER_KEY.lastIndex = 0;
  for (let m = OWNER_KEY.exec(line); m !== null; m = OWNER_KEY.exec(line)) {
    let i = skipSpace(line, OWNER_KEY.lastIndex);
    if (line.charCodeAt(i) !== 58 /* : */) continue; // a string value, not a key
    i = skipSpace(line, i + 1);
    if (line.charCodeAt(i) !== 123 /* { */) return undefined;
    i = skipSpace(line, i + 1);
    if (!line.startsWith('"reference"', i)) return undefined;
    i = skipSpace(line, i + '"reference"'.length);
    if (line.charCodeAt(i) !== 58) return undefined;
    i = skipSpace(line, i + 1);
    if (line.charCodeAt(i) !== 34 /* " */) return undefined;
    const end = line.indexOf('"', i + 1);
    const value = line.slice(i + 1, end);
    if (end === -1 || value.includes('\\')) return undefined;
    const id = patientIdOf(value);
    if (!id || (owner !== undefined && id !== owner)) return undefined;
    owner = id;
  }
  return owner;
}

/** Split the given ranges into this thread's partition files and its shard of the shared index. */
export async function splitRanges(job: SplitJob, onLines?: (bytes: number) => void): Promise<SplitResult> {
  const result: SplitResult = { resources: 0, skipped: 0, dropped: 0, shared: 0, bytes: 0 };
  const chunk = Math.max(16 * 1024, Math.min(256 * 1024, Math.floor(WRITE_BUFFER_BYTES / job.partitions)));
  const own = Array.from({ length: job.partitions }, (_, p) => new PartitionWriter(partitionFile(job.work, p, job.thread), chunk));
  const shared = createSharedIndex(sharedIndexFile(job.work, job.thread));
  let sinceReport = 0;
  for (const range of job.ranges) {
    for (const read of rangeLines(range)) {
      const line = read.text;
      const bytes = line.length + 1;
      result.bytes += bytes;
      if ((sinceReport += bytes) > 4 * 1024 * 1024) {
        onLines?.(sinceReport);
        sinceReport = 0;
      }
      if (!line.trim()) continue;
      const fast = ownerFromText(line);
      if (fast !== undefined) {
        result.resources++;
        own[hash(fast) % job.partitions]!.add(fast, read);
        continue;
      }
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
        shared.add(`${r.resourceType}/${String(r.id)}`, line);
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
      own[hash(patient) % job.partitions]!.add(patient, read);
    }
  }
  if (sinceReport) onLines?.(sinceReport);
  for (const w of own) w.close();
  shared.close();
  return result;
}
