// A guard around the SDC renderer's store. @aehrc/smart-forms-renderer 1.4.0 commits a text or number
// field 300 ms after its last keystroke, each commit a whole QuestionnaireResponse built from the
// response as it was when the field was last rendered. An answer typed into a second field within
// those 300 ms is committed on a snapshot that predates the first field's commit, and the first answer
// silently disappears (the field still shows it; the response no longer has it). A commit that drops
// an answer the form still shows carries a stale
// snapshot: those top-level items are put back from the response before it.
type Json = Record<string, unknown>;
type Item = { linkId?: string; answer?: unknown[]; item?: Item[] };

function answers(items: Item[] | undefined, top: string | undefined, out: Map<string, { answer: string; top: string }>): Map<string, { answer: string; top: string }> {
  for (const it of items ?? []) {
    const own = top ?? it.linkId ?? '';
    if (it.linkId && it.answer?.length) out.set(it.linkId, { answer: JSON.stringify(it.answer), top: own });
    answers(it.item, own, out);
  }
  return out;
}

/**
 * The response with the answers a stale commit dropped put back, or undefined when nothing was lost.
 * `shown` says whether the form still shows an answer for a question (its field holds a value): a
 * dropped answer the form still shows was dropped by a stale commit; one it no longer shows (the user
 * cleared it, or a gate disabled the question) is rightly gone.
 */
export function restoreDropped(previous: Json, next: Json, shown: (linkId: string) => boolean): Json | undefined {
  const before = answers(previous.item as Item[] | undefined, undefined, new Map());
  const after = answers(next.item as Item[] | undefined, undefined, new Map());
  const dropped = [...before.keys()].filter((l) => !after.has(l) && shown(l));
  if (dropped.length === 0) return undefined;
  const tops = new Set(dropped.map((l) => before.get(l)!.top));
  // A top-level item that also holds a question answered anew in `next` is not replaced whole.
  for (const [l, a] of after) if (tops.has(a.top) && before.get(l)?.answer !== a.answer) tops.delete(a.top);
  if (tops.size === 0) return undefined;
  const prevItems = (previous.item as Item[] | undefined) ?? [];
  const nextItems = [...((next.item as Item[] | undefined) ?? [])];
  for (const top of tops) {
    const restored = prevItems.find((i) => i.linkId === top);
    if (!restored) continue;
    const at = nextItems.findIndex((i) => i.linkId === top);
    if (at >= 0) nextItems[at] = restored;
    else {
      // Keep the questionnaire's order: before the first item that came after it in the previous response.
      const order = prevItems.map((i) => i.linkId);
      const pos = nextItems.findIndex((i) => order.indexOf(i.linkId) > order.indexOf(top));
      nextItems.splice(pos < 0 ? nextItems.length : pos, 0, restored);
    }
  }
  return { ...next, item: nextItems };
}

/** Whether the renderer still shows an answer for a question: a filled text field or a checked choice in its item box. */
export function shownIn(container: ParentNode | null): (linkId: string) => boolean {
  return (linkId) => {
    const box = container?.querySelector(`[data-linkid="${CSS.escape(linkId)}"]`);
    if (!box) return false;
    return [...box.querySelectorAll('input')].some((i) => (i.type === 'radio' || i.type === 'checkbox' ? i.checked : i.value.trim() !== ''));
  };
}
