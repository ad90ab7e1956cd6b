// The engine in a worker thread (server/engine-pool.ts): it loads the policy library once, then
// evaluates one record per message. Living off the request thread is what lets the pool stop an
// evaluation that would overrun the hook's deadline: a worker can be terminated, a loop cannot.
import { parentPort, workerData } from 'node:worker_threads';
import { determine, type Determination } from '../criteria';
import { loadLibraryFromDisk } from './policy-files';

export interface EngineJob {
  id: number;
  resources: unknown[];
  options: { orders: unknown[]; asOf?: string; today?: string };
}
export type EngineReply = { id: number; determinations: Determination[] } | { id: number; error: string };

type Evaluate = (resources: unknown[], options: EngineJob['options']) => Determination[];

/** A test can name a module whose `evaluate` replaces the engine (to show the pool stops a slow one). */
const data = (workerData ?? {}) as { libraryRoots?: string[]; evaluateModule?: string };
let evaluate: Evaluate;
if (data.evaluateModule) {
  evaluate = ((await import(data.evaluateModule)) as { evaluate: Evaluate }).evaluate;
} else {
  const library = loadLibraryFromDisk(...(data.libraryRoots ?? []));
  evaluate = (resources, options) => determine(library, resources as never, options);
}

parentPort!.on('message', (job: EngineJob) => {
  let reply: EngineReply;
  try {
    reply = { id: job.id, determinations: evaluate(job.resources, job.options) };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : 'the engine failed' };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });
