// Worker thread for batch review: evaluates one partition file (patient<TAB>resource lines) and
// writes its determinations as NDJSON to a part file. Loads the policy library once per worker.
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parentPort } from 'node:worker_threads';
import { determine, type Outcome } from '../criteria';
import { loadLibraryFromDisk } from '../server/policy-files';

export interface PartitionJob {
  input: string;
  output: string;
  shared: unknown[];
  asOf?: string;
}
export interface PartitionResult {
  patients: number;
  outcomes: Outcome[];
  policies: string[];
}

const library = loadLibraryFromDisk();

export async function evaluatePartition(job: PartitionJob): Promise<PartitionResult> {
  const groups = new Map<string, unknown[]>();
  const rl = createInterface({ input: createReadStream(job.input, { encoding: 'utf8', highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const patient = line.slice(0, tab);
    let list = groups.get(patient);
    if (!list) groups.set(patient, (list = []));
    list.push(JSON.parse(line.slice(tab + 1)));
  }
  const lines: string[] = [];
  const result: PartitionResult = { patients: groups.size, outcomes: [], policies: [] };
  for (const [patient, resources] of groups) {
    for (const d of determine(library, [...resources, ...job.shared], { asOf: job.asOf })) {
      result.outcomes.push(d.outcome);
      result.policies.push(d.policy.shortName);
      lines.push(JSON.stringify({ patient: `Patient/${patient}`, ...d }));
    }
  }
  writeFileSync(job.output, lines.length ? `${lines.join('\n')}\n` : '');
  return result;
}

parentPort?.on('message', (job: PartitionJob) => {
  evaluatePartition(job).then(
    (r) => parentPort!.postMessage({ ok: true, result: r }),
    (e: Error) => parentPort!.postMessage({ ok: false, error: e.message }),
  );
});
