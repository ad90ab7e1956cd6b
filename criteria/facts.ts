// Stage 2 of the pipeline: named facts for one order. Policies refer to facts by id (criterion.fact);
// the catalogue (criteria/facts/*.json) says which kind computes each one and with which parameters
// (fact-kinds.ts). Each fact is computed at most once per order.
import { withAnswer } from './answers';
import { computeFact, type FactContext } from './fact-kinds';
import type { Fact, PolicyLibrary } from './model';
import type { OrderInfo } from './orders';
import type { Records } from './records';

export type { FactContext };
export type FactReader = (id: string) => Fact;

/** Facts for one order, each computed at most once. An id the catalogue does not define is a load error, never reached here. */
export function factReader(ctx: { lib: PolicyLibrary; records: Records; order: OrderInfo; orders: OrderInfo[]; asOf: string; answerCutoff?: string }): FactReader {
  const answers = { answers: ctx.records.answers, order: ctx.order.ref.reference, asOf: ctx.asOf, cutoff: ctx.answerCutoff ?? ctx.asOf };
  const cache = new Map<string, Fact>();
  const full: FactContext = { ...ctx, read: (id) => read(id) };
  const read = (id: string): Fact => {
    let f = cache.get(id);
    if (!f) {
      const spec = ctx.lib.facts.get(id);
      if (!spec) throw new Error(`unknown fact "${id}"`);
      // The record first; a documentation answer fills what it leaves unknown (criteria/answers.ts).
      f = withAnswer(spec, computeFact(spec, full), answers);
      cache.set(id, f);
    }
    return f;
  };
  return read;
}
