// What a section's figures scale with. The bench runs on shared VMs whose hosts differ from run to run
// (AMD EPYC and Intel Xeon of several speeds have been seen), and the same code has measured 2.7×
// slower on one host than on another. Each section that sets a target in absolute terms (patients/s,
// requests/s) therefore names the host's CPU and times one fixed single-thread workload, so that runs
// on different hosts can be compared: a figure that moved with the reference is the host, not the code.
import { cpus } from 'node:os';
import { orderSignRequest } from './synthetic-patient';

/** The median time of `f` in this process, in ms, over `runs` calls after `warmUps` untimed ones. */
export function medianMs(f: () => unknown, runs: number, warmUps: number): number {
  for (let i = 0; i < warmUps; i++) f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

/** Median of `JSON.stringify(JSON.parse(body))` in this process: the least any server can do per request. */
export const parseFloor = (body: string, reps = 300): number => medianMs(() => JSON.stringify(JSON.parse(body)), reps, 20);

/** The sentence a section opens with: the host's CPU and the time of the reference workload (the floor of the 500-resource request, unindented). */
export function machineReference(): string {
  const { body } = orderSignRequest(500);
  return (
    `Host: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; reference workload ${parseFloor(body).toFixed(2)} ms (\`JSON.stringify(JSON.parse(body))\` of the 500-resource order-sign request, ${(Buffer.byteLength(body) / 1024).toFixed(0)} KB unindented, one thread, median of 300). ` +
    'Hosts differ from run to run: compare runs through this reference, and targets in absolute terms hold only for the host measured.'
  );
}
