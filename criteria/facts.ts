// Stage 2 of the pipeline: named facts for one order. Policies refer to facts by id (criterion.fact);
// the catalogue (criteria/facts/*.json) says which kind computes each one and with which parameters
// (fact-kinds.ts). Each fact is computed at most once per order.
import { computeFact, type FactContext } from './fact-kinds';
import type { Fact, PolicyLibrary } from './model';
import type { OrderInfo } from './orders';
import type { Records } from './records';

export type { FactContext };
export type FactReader = (id: string) => Fact;

/** Facts for one order, each computed at most once. An id the catalogue does not define is a load error, never reached here. */
export function factReader(ctx: { lib: PolicyLibrary; records: Records; order: OrderInfo; orders: OrderInfo[]; asOf: string }): FactReader {
  const cache = new Map<string, Fact>();
  const full: FactContext = { ...ctx, read: (id) => read(id) };
  const read = (id: string): Fact => {
    let f = cache.get(id);
    if (!f) {
      const spec = ctx.lib.facts.get(id);
      if (!spec) throw new Error(`unknown fact "${id}"`);
      f = computeFact(spec, full);
      cache.set(id, f);
    }
    return f;
  };
  return read;
}
