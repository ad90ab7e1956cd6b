// npm run evaluate -- <bundle.json> [--order <code>]... [--as-of YYYY-MM-DD] [--today YYYY-MM-DD] [--json]
// npm run evaluate -- --ndjson <dir> [--out <file>] [--queue <postgres-url> [--review <name>] [--work <dir>] [--job-timeout <s>]]
// A reviewer's and integrator's view of the engine: one determination per in-scope order in a FHIR
// Bundle (draft or active ServiceRequests, J1100 with its injection), or for every patient of a Bulk
// Data export, here (batch.ts) or through a PostgreSQL queue and its workers (queue.ts). Bad input:
// one line, exit 2.
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { progressBar, reviewBulkExport, summaryTable, type BatchSummary, type Progress } from './batch';
import { QueueError, redactUrl } from './queue-errors';
import { determine, renderText, PolicyLoadError, type Determination } from '../criteria';
import { isoDate } from '../criteria/dates';
import { loadLibraryFromDisk } from '../server/policy-files';

export class UsageError extends Error {}

export const HELP = `npm run evaluate -- <bundle.json> [options]
npm run evaluate -- --ndjson <export-dir> [options]

Judges every in-scope order (draft or active ServiceRequests for 27096, G0260, 64451, 64625, 64772,
64999; J1100 with the injection it accompanies) against the patient's payer policy, or the product's
evidence pathway when no payer policy governs.

One bundle (a FHIR Bundle JSON file holding one Patient and their record):
  --order <code>[,<code>]   only these codes
  --as-of YYYY-MM-DD        judge the record as it stood on this date
  --today YYYY-MM-DD        the date treated as today (reproducible runs)
  --json                    the Determination objects, as the service and the app use them

A Bulk Data export (a folder of Patient.ndjson, Condition.ndjson, ...):
  --ndjson <dir>            review every patient; one determination per line on stdout or --out
  --out <file>              write the determinations here instead of stdout
  --as-of YYYY-MM-DD        as above
  --partition-bytes <n>     size of a partition of the export (default 16 MB)
  --queue <postgres-url>    hand the partitions to workers (npm run worker) through PostgreSQL
  --review <name>           name of the review in the queue (default: generated)
  --work <dir>              where the split export is kept while workers run
  --job-timeout <s>         a partition's lease before another worker retries it

  --help                    this text

Exit codes: 0 done · 1 unexpected error · 2 bad input (one line on stderr says what).
`;

interface Args {
  help?: boolean;
  file?: string;
  codes: string[];
  asOf?: string;
  today?: string;
  json: boolean;
  ndjson?: string;
  out?: string;
  queue?: string;
  review?: string;
  work?: string;
  jobTimeout?: number;
  partitionBytes?: number;
}

const whole = (flag: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number of at least ${min}, not "${v}"`);
  return n;
};

export function parseArgs(argv: string[]): Args {
  const args: Args = { codes: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--json') args.json = true;
    else if (a === '--order') args.codes.push(...next().split(',').map((c) => c.trim().toUpperCase()));
    else if (a === '--as-of' || a === '--today') {
      const value = next();
      if (!isoDate(value)) throw new UsageError(`${a} takes a calendar date as YYYY-MM-DD, not "${value}"`);
      if (a === '--as-of') args.asOf = value;
      else args.today = value;
    } else if (a === '--ndjson') args.ndjson = next();
    else if (a === '--out') args.out = next();
    else if (a === '--queue') {
      args.queue = next();
      if (!/^postgres(ql)?:\/\//.test(args.queue)) throw new UsageError(`--queue takes a postgres:// URL, not "${redactUrl(args.queue)}"`);
    } else if (a === '--review') args.review = next();
    else if (a === '--work') args.work = next();
    else if (a === '--job-timeout') args.jobTimeout = whole(a, next(), 1);
    else if (a === '--partition-bytes') args.partitionBytes = whole(a, next(), 1024);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else if (args.file) throw new UsageError(`one bundle at a time (got ${args.file} and ${a})`);
    else args.file = a;
  }
  return args;
}

/** Read and check a Bundle file: the resources it holds, or a UsageError naming the problem. */
export function readBundle(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  const bundle = data as { resourceType?: unknown; entry?: unknown };
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw new UsageError(`${file} is not a FHIR Bundle (resourceType is ${JSON.stringify(bundle?.resourceType ?? null)})`);
  }
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const resources = entries.map((e) => (e as { resource?: unknown })?.resource).filter((r): r is object => !!r && typeof r === 'object');
  if (!resources.some((r) => (r as { resourceType?: unknown }).resourceType === 'Patient')) {
    throw new UsageError(`${file} has no Patient resource`);
  }
  return resources;
}

export function run(argv: string[], out: (s: string) => void): Determination[] {
  const args = parseArgs(argv);
  if (args.help) {
    out(HELP.trimEnd());
    return [];
  }
  if (!args.file) throw new UsageError('usage: npm run evaluate -- <bundle.json> [--order <code>] [--as-of YYYY-MM-DD] [--today YYYY-MM-DD] [--json]; --help for more');
  const resources = readBundle(args.file);
  const library = loadLibraryFromDisk();
  const determinations = determine(library, resources, { codes: args.codes, asOf: args.asOf, today: args.today });
  if (args.json) out(JSON.stringify(determinations, null, 2));
  else if (determinations.length === 0) out(`No in-scope order${args.codes.length ? ` for ${args.codes.join(', ')}` : ''} in ${args.file} (draft or active ServiceRequests for 64772, 64625, 64451, 27096, G0260, 64999; J1100 with its injection).`);
  else out(determinations.map(renderText).join(`\n\n${'─'.repeat(100)}\n\n`));
  return determinations;
}

/**
 * The progress of both passes (reading the export, then reviewing its partitions) on a terminal: each
 * on its own line, redrawn at most every 100 ms and always at 100%. Off a terminal nothing is printed,
 * so stderr holds only the summary or the one-line error.
 */
export function progressPrinter(write: (s: string) => void, opts: { tty: boolean; queue?: boolean; now?: () => number }) {
  const now = opts.now ?? Date.now;
  let last = 0;
  let phase: Progress['phase'] | undefined;
  let finished = false;
  return (p: Progress & { active?: number }) => {
    const complete = p.done >= p.total;
    if (p.phase !== phase) {
      if (phase && opts.tty && !finished) write('\n');
      phase = p.phase;
      finished = false;
      last = 0;
    }
    if (finished) return;
    const detail = p.phase === 'evaluate' && opts.queue ? ` ${p.done}/${p.total} partitions${p.active !== undefined ? `, ${p.active} running` : ''}` : '';
    if (!opts.tty || (!complete && now() - last < 100)) return;
    last = now();
    write(`\r${progressBar(p)}${detail}\x1b[K${complete ? '\n' : ''}`);
    finished = complete;
  };
}

/** --ndjson <dir>: batch review of a Bulk Data export; determinations as NDJSON, summary on stderr. */
async function runBatch(args: Args): Promise<void> {
  const dir = args.ndjson!;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--ndjson needs a folder of .ndjson files; ${dir} is not a folder`);
  if (!args.queue && (args.review || args.work || args.jobTimeout)) throw new UsageError('--review, --work and --job-timeout go with --queue');
  const out = args.out ? createWriteStream(args.out) : process.stdout;
  const tty = Boolean(process.stderr.isTTY);
  const onProgress = progressPrinter((s) => process.stderr.write(s), { tty, queue: Boolean(args.queue) });
  let summary: BatchSummary;
  try {
    summary = args.queue
      ? await (await import('./queue')).enqueueReview({ dir, url: args.queue, out, review: args.review, work: args.work, asOf: args.asOf, jobTimeout: args.jobTimeout, partitionBytes: args.partitionBytes, onProgress })
      : await reviewBulkExport({ dir, out, asOf: args.asOf, partitionBytes: args.partitionBytes, onProgress });
  } catch (e) {
    throw e instanceof QueueError ? e : new UsageError((e as Error).message);
  }
  if (args.out) await new Promise<void>((res) => (out as ReturnType<typeof createWriteStream>).end(res));
  const review = (summary as { review?: string }).review;
  process.stderr.write(`${review ? `review ${review}\n` : ''}${summaryTable({ ...summary, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 })}\n`);
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  // A reader that stops early (`| head`) closes the pipe: that ends the run quietly, as for any Unix tool.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.ndjson) await runBatch(args);
    else run(process.argv.slice(2), (s) => process.stdout.write(`${s}\n`));
  } catch (e) {
    if (e instanceof UsageError || e instanceof PolicyLoadError || e instanceof QueueError) {
      process.stderr.write(`evaluate: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`evaluate: unexpected error: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
