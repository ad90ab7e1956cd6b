// The bench's view of a server's processes: the supervisor and its workers, read from /proc.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** SIGTERM to a server the bench started, resolved once it has exited. */
export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });

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
