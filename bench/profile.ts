// Reading V8 CPU profiles (node --cpu-prof): self and inclusive time per function, summed over every
// profile in a folder (one per thread or process), for the "where the time goes" tables.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Self and inclusive time per function over every thread's profile; with `window`, only the samples
 * taken inside it (µs of the monotonic clock, which V8's profiles and `process.hrtime` share on Linux),
 * so a server's startup is left out.
 */
export function profileSummary(dir: string, window?: { fromUs: number; toUs: number }): { busy: number; self: Map<string, number>; incl: Map<string, number> } {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let busy = 0;
  for (const f of readdirSync(dir)) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
      startTime: number;
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const name = (id: number) => {
      const cf = byId.get(id)!.callFrame;
      return `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}`.trim();
    };
    let at = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i]!;
      at += p.timeDeltas[i] ?? 0;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      const dt = (p.timeDeltas[i] ?? 0) / 1e6; // µs → s
      const own = name(id);
      if (own.startsWith('(idle)')) continue;
      busy += dt;
      self.set(own, (self.get(own) ?? 0) + dt);
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const k = name(cur);
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
    }
  }
  return { busy, self, incl };
}
