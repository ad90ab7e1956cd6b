// What a section's figures scale with. The bench runs on shared VMs whose hosts differ from run to run
// (AMD EPYC and Intel Xeon of several speeds have been seen), and the same code has measured 2.7×
// slower on one host than on another. Each section that sets a target in absolute terms (patients/s,
// requests/s) therefore names the host's CPU and times one fixed single-thread workload, so that runs
// on different hosts can be compared: a figure that moved with the reference is the host, not the code.
import { cpus } from 'node:os';
import { orderSignRequest } from './synthetic-patient';

/** Median of `JSON.stringify(JSON.parse(body))` in this process: the least any server can do per request. */
export function parseFloor(body: string, reps = 300): number {
  const t: number[] = [];
  for (let i = 0; i < reps + 20; i++) {
    const s = performance.now();
    JSON.stringify(JSON.parse(body));
    if (i >= 20) t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

/** The sentence a section opens with: the host's CPU and the time of the reference workload (the floor of the 500-resource request, unindented). */
export function machineReference(): string {
  const { body } = orderSignRequest(500);
  return (
    `Host: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; reference workload ${parseFloor(body).toFixed(2)} ms (\`JSON.stringify(JSON.parse(body))\` of the 500-resource order-sign request, ${(Buffer.byteLength(body) / 1024).toFixed(0)} KB unindented, one thread, median of 300). ` +
    'Hosts differ from run to run: compare runs through this reference, and targets in absolute terms hold only for the host measured.'
  );
}
