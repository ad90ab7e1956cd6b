// Evaluation under the hook's deadline. The engine is synchronous and cannot be interrupted on the
// request thread; on a loaded machine a 20k-resource record took 7 s to evaluate after the fetch had
// already used the budget. The pool runs evaluations in worker threads, one job per worker at a
// time, and when the deadline comes first it terminates that worker (starting a fresh one) and
// answers "out of time", so the service can send an indeterminate card within the deadline. Jobs
// still queued at their deadline are dropped the same way. Workers are started warm, with the
// library loaded, and capped in memory so one huge record cannot take the process down.
import { Worker } from 'node:worker_threads';
import type { Determination } from '../criteria';
import type { EngineJob, EngineReply } from './engine-worker';

export interface EnginePool {
  /** The determinations, or undefined when `ms` ran out first (the evaluation was stopped). */
  evaluateWithin(resources: unknown[], options: EngineJob['options'], ms: number): Promise<Determination[] | undefined>;
  close(): Promise<void>;
}

export interface EnginePoolOptions {
  size?: number;
  /** Heap cap per worker. */
  maxOldGenerationSizeMb?: number;
  workerData?: { libraryRoots?: string[]; evaluateModule?: string };
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy?: { job: EngineJob; settle: (d: Determination[] | undefined, err?: Error) => void; timer: NodeJS.Timeout };
}

interface Queued {
  job: EngineJob;
  deadline: number;
  settle: (d: Determination[] | undefined, err?: Error) => void;
}

export function createEnginePool(opts: EnginePoolOptions = {}): EnginePool {
  const size = Math.max(1, opts.size ?? 1);
  const queue: Queued[] = [];
  let nextId = 0;
  let closed = false;

  const spawn = (): Slot => {
    const worker = new Worker(new URL('./engine-worker-entry.mjs', import.meta.url), {
      workerData: opts.workerData,
      resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb ?? 1024 },
    });
    worker.unref();
    const slot: Slot = {
      worker,
      ready: new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }).catch(() => undefined),
    };
    worker.on('message', (reply: EngineReply | { ready: true }) => {
      if (!('id' in reply) || slot.busy?.job.id !== reply.id) return;
      const { settle, timer } = slot.busy;
      clearTimeout(timer);
      slot.busy = undefined;
      if ('error' in reply) settle(undefined, new Error(reply.error));
      else settle(reply.determinations);
      pump();
    });
    // A worker that dies (out of memory, a crash) fails its job as technical trouble and is replaced.
    worker.on('exit', () => {
      const i = slots.indexOf(slot);
      if (slot.busy) {
        clearTimeout(slot.busy.timer);
        slot.busy.settle(undefined);
        slot.busy = undefined;
      }
      if (i >= 0 && !closed) {
        slots[i] = spawn();
        pump();
      }
    });
    return slot;
  };
  const slots: Slot[] = Array.from({ length: size }, spawn);

  function pump(): void {
    for (const slot of slots) {
      if (slot.busy || queue.length === 0) continue;
      const next = queue.shift()!;
      const left = next.deadline - Date.now();
      if (left <= 0) {
        next.settle(undefined);
        continue;
      }
      const timer = setTimeout(() => {
        // Out of time mid-evaluation: stop it. The exit handler settles the job and starts a new worker.
        void slot.worker.terminate();
      }, left);
      slot.busy = { job: next.job, settle: next.settle, timer };
      slot.worker.postMessage(next.job);
    }
  }

  return {
    evaluateWithin(resources, options, ms) {
      if (ms <= 0 || closed) return Promise.resolve(undefined);
      return new Promise<Determination[] | undefined>((resolve, reject) => {
        const job: EngineJob = { id: nextId++, resources, options };
        const deadline = Date.now() + ms;
        const settle = (d: Determination[] | undefined, err?: Error) => (err ? reject(err) : resolve(d));
        queue.push({ job, deadline, settle });
        // A job waiting in the queue is also bound by its deadline.
        setTimeout(() => {
          const i = queue.findIndex((q) => q.job === job);
          if (i >= 0) queue.splice(i, 1)[0]!.settle(undefined);
        }, ms).unref();
        void Promise.all(slots.map((s) => s.ready)).then(pump);
      });
    },
    async close() {
      closed = true;
      for (const q of queue.splice(0)) q.settle(undefined);
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
