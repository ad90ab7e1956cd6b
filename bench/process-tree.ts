// The bench's view of a server's processes: the supervisor and its workers, read from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** The process and its descendants (a server's cluster workers), from /proc. */
export const processTree = (pid: number): number[] => {
  let children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      children.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    children = [];
  }
  return [pid, ...children.flatMap(processTree)];
};
