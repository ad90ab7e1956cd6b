// Value-set membership of an extracted entry, asked once: facts ask the same question of the same
// entry many times (every diagnosis fact scans the conditions), so each answer is kept on the entry.
// A leaf of the pipeline; the entry's own body sites and words are the match's context.
import type { ConceptLike, ConceptMatch, PolicyLibrary } from './model';

interface Matchable {
  code?: ConceptLike;
  sites?: ConceptLike[];
  text?: string;
}

/**
 * The answers, on the entry itself under a symbol: a property read, where a WeakMap lookup per question
 * was a tenth of the engine's time on a large record. Not enumerable, so neither JSON nor a spread
 * copies it, and it is gone with the entry.
 */
const MATCHES = Symbol('value-set matches');
type Memo = Map<string, ConceptMatch | null>;

/** The entry's match in value set `id` (by its codes, else its words), memoised on the entry. */
export function matchOf(lib: PolicyLibrary, rec: Matchable, id: string): ConceptMatch | undefined {
  let byId = (rec as { [MATCHES]?: Memo })[MATCHES];
  if (!byId) {
    byId = new Map();
    Object.defineProperty(rec, MATCHES, { value: byId, enumerable: false });
  }
  const hit = byId.get(id);
  if (hit !== undefined) return hit ?? undefined;
  const m = lib.valueSet(id).match(rec.code, { sites: rec.sites, text: rec.text });
  byId.set(id, m ?? null);
  return m;
}

/** Whether the entry is in any of the value sets. */
export const inAny = (lib: PolicyLibrary, rec: Matchable, ids: readonly string[]): boolean => ids.some((id) => matchOf(lib, rec, id) !== undefined);

/** The class tag of the first of the value sets the entry matches (a manoeuvre, a drug class). */
export const classOf = (lib: PolicyLibrary, rec: Matchable, ids: readonly string[]): string | undefined => {
  for (const id of ids) {
    const m = matchOf(lib, rec, id);
    if (m) return m.cls;
  }
  return undefined;
};
