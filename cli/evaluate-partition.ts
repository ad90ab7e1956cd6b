// Pass 2 of a batch review, for one partition: group its lines by patient, join each patient to the
// shared resources its own resources name (and those these name: shared-index.ts), run the engine,
// and hand each determination to a sink (a part file locally, PostgreSQL in queue mode). Raw lines
// are held per patient and parsed just before that patient is evaluated, so memory follows the
// partition's size in bytes, not its parsed size. The cost per patient is its own resources plus
// the few shared ones it names, whatever the export holds besides.
import { existsSync, readFileSync } from 'node:fs';
import { determine, ownersOf, type Outcome, type PolicyLibrary } from '../criteria';
import { partitionFile } from './partition';
import { closureOf, sharedClosure, sharedRefs, type SharedReader } from './shared-index';

export interface PartitionInput {
  work: string;
  partition: number;
  /** How many pass-1 threads wrote partition files. */
  threads: number;
  asOf?: string;
}

/** One output row: the NDJSON line and the columns the queue's table keeps beside it. */
export interface DeterminationRow {
  patient: string;
  order: string;
  outcome: Outcome;
  policy: string;
  line: string;
}

export interface RowSink {
  add(row: DeterminationRow): Promise<void> | void;
}

export interface PartitionCounts {
  patients: number;
  orders: number;
  /** Lines pass 1 routed from their text that turn out not to be JSON resources, or nobody's. */
  skipped: number;
  dropped: number;
  byOutcome: Record<Outcome, number>;
  byPolicy: Record<string, number>;
}

export const emptyCounts = (): PartitionCounts => ({
  patients: 0,
  orders: 0,
  skipped: 0,
  dropped: 0,
  byOutcome: { 'not-medically-necessary': 0, 'criteria-not-met': 0, 'documentation-needed': 0, 'criteria-met': 0 },
  byPolicy: {},
});

export class MissingPartitionError extends Error {
  override name = 'MissingPartitionError';
}

/** Lines of one partition, grouped by patient in first-seen order. */
export function readPartition(input: PartitionInput): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (let t = 0; t < input.threads; t++) {
    const file = partitionFile(input.work, input.partition, t);
    if (!existsSync(file)) {
      throw new MissingPartitionError(`partition file ${file} is missing: is the work folder reachable from this machine, and was the export split completely?`);
    }
    const text = readFileSync(file, 'utf8');
    for (let from = 0; from < text.length; ) {
      let nl = text.indexOf('\n', from);
      if (nl === -1) nl = text.length;
      const tab = text.indexOf('\t', from);
      if (tab > from && tab < nl) {
        const patient = text.slice(from, tab);
        let list = groups.get(patient);
        if (!list) groups.set(patient, (list = []));
        list.push(text.slice(tab + 1, nl));
      }
      from = nl + 1;
    }
  }
  return groups;
}

/**
 * A line of `patient`'s, parsed — or why it is not one: pass 1 routes most lines from their text
 * (partition.ts's ownerFromText), so the exact rule is applied here, where the line is parsed anyway.
 */
function parseOwn(line: string, patient: string): Record<string, unknown> | 'skipped' | 'dropped' {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return 'skipped';
  }
  if (!r || typeof r !== 'object' || Array.isArray(r) || typeof (r as { resourceType?: unknown }).resourceType !== 'string') return 'skipped';
  const owners = ownersOf(r as Record<string, unknown>);
  if (owners.length === 0) return 'skipped';
  return owners.every((o) => o === patient) ? (r as Record<string, unknown>) : 'dropped';
}

export async function evaluatePartition(lib: PolicyLibrary, index: SharedReader, input: PartitionInput, sink: RowSink): Promise<PartitionCounts> {
  const counts = emptyCounts();
  const groups = readPartition(input);
  // The shared keys every patient's lines name, read once: fetched together for the whole partition
  // (a few queries per shard, not one per shard per patient), then each patient joined from that.
  const named = new Map<string, string[]>();
  for (const [patient, lines] of groups) named.set(patient, lines.flatMap(sharedRefs));
  const shared = index.fetchClosure([...named.values()].flat());
  for (const [patient, lines] of groups) {
    const resources: unknown[] = [];
    const kept: string[] = [];
    for (const line of lines) {
      const r = parseOwn(line, patient);
      if (typeof r === 'string') counts[r]++;
      else {
        resources.push(r);
        kept.push(line);
      }
    }
    const keys = named.get(patient)!;
    groups.delete(patient); // let the raw lines go as soon as the patient is read
    named.delete(patient);
    if (kept.length === 0) continue;
    counts.patients++;
    // Nearly always every line is the patient's, and its keys are those read above; else only the
    // kept lines' keys count.
    const join = kept.length === lines.length ? closureOf(keys, shared) : sharedClosure(kept, shared);
    for (const s of join) resources.push(JSON.parse(s));
    for (const d of determine(lib, resources, { asOf: input.asOf })) {
      counts.orders++;
      counts.byOutcome[d.outcome]++;
      counts.byPolicy[d.policy.shortName] = (counts.byPolicy[d.policy.shortName] ?? 0) + 1;
      const done = sink.add({ patient, order: d.order.reference, outcome: d.outcome, policy: d.policy.shortName, line: JSON.stringify({ patient: `Patient/${patient}`, ...d }) });
      if (done) await done;
    }
  }
  return counts;
}

/** Add one partition's counts into a running total. */
export function addCounts(total: PartitionCounts, c: PartitionCounts): void {
  total.patients += c.patients;
  total.orders += c.orders;
  total.skipped += c.skipped;
  total.dropped += c.dropped;
  for (const [k, v] of Object.entries(c.byOutcome)) total.byOutcome[k as Outcome] += v;
  for (const [k, v] of Object.entries(c.byPolicy)) total.byPolicy[k] = (total.byPolicy[k] ?? 0) + v;
}
