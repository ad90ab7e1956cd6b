// A guard around the SDC renderer's store. @aehrc/smart-forms-renderer 1.4.0 commits a text or number
// field 300 ms after its last keystroke, each commit a whole QuestionnaireResponse built from the
// response as it was when the field was last rendered. An answer typed into a second field within
// those 300 ms is committed on a snapshot that predates the first field's commit, and the first answer
// silently disappears (the field still shows it; the response no longer has it), or a changed one
// silently reverts. A commit that drops an answer the form still shows, or reverts one to a value the
// form no longer shows, carries a stale snapshot: those top-level items are put back from the response
// before it.
type Json = Record<string, unknown>;
type Item = { linkId?: string; answer?: Json[]; item?: Item[] };

/** An answer as a field shows it: a number or date as written, a boolean as its radio's value. */
const asShown = (a: Json | undefined): string => {
  const v = a ? Object.entries(a).find(([k]) => k.startsWith('value'))?.[1] : undefined;
  return v === undefined || v === null ? '' : String(v);
};

function answers(items: Item[] | undefined, top: string | undefined, out: Map<string, { shown: string; top: string }>): Map<string, { shown: string; top: string }> {
  for (const it of items ?? []) {
    const own = top ?? it.linkId ?? '';
    if (it.linkId) out.set(it.linkId, { shown: asShown(it.answer?.[0]), top: own });
    answers(it.item, own, out);
  }
  return out;
}

/**
 * The response with what a stale commit undid put back, or undefined when nothing was. `shown` gives
 * what the form's field for a question shows (its text, or the checked choice's value; '' when
 * empty), or null when the question is not on screen (a gate disabled it). An answer is stale when
 * the form still shows a value the commit dropped, or shows the previous answer while the commit
 * reverted it to another. A user's own change is what the field shows, so it is never undone.
 */
export function restoreStale(previous: Json, next: Json, shown: (linkId: string) => string | null): Json | undefined {
  const before = answers(previous.item as Item[] | undefined, undefined, new Map());
  const after = answers(next.item as Item[] | undefined, undefined, new Map());
  const stale = [...before.keys()].filter((l) => {
    const s = shown(l);
    if (s === null) return false;
    const n = after.get(l)?.shown ?? '';
    const p = before.get(l)!.shown;
    if (n === s || p === n) return false;
    return (n === '' && s !== '') || p === s;
  });
  if (stale.length === 0) return undefined;
  const tops = new Set(stale.map((l) => before.get(l)!.top));
  // A top-level item that also holds a question answered anew in `next` is not replaced whole.
  for (const [l, a] of after) if (tops.has(a.top) && !stale.includes(l) && before.get(l)?.shown !== a.shown) tops.delete(a.top);
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

/** What the renderer shows for a question: its text field's value or the checked choice's value ('' when empty), or null when it is not on screen. */
export function shownIn(container: ParentNode | null): (linkId: string) => string | null {
  return (linkId) => {
    const box = container?.querySelector(`[data-linkid="${CSS.escape(linkId)}"]`);
    if (!box) return null;
    const inputs = [...box.querySelectorAll('input')];
    const choice = inputs.find((i) => (i.type === 'radio' || i.type === 'checkbox') && i.checked);
    if (choice) return choice.value;
    const text = inputs.find((i) => i.type !== 'radio' && i.type !== 'checkbox' && i.type !== 'hidden');
    return text ? text.value.trim() : '';
  };
}
