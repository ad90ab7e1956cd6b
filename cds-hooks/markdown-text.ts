// Stage 5a's guard on card markdown: patient data must not be able to change the card's structure.
// The engine's renderMarkdown escapes inline markup, but a Condition display with a line break could
// still start a "# CRITERIA MET" heading or a "- ✔ forged criterion" item, and a bare URL became a
// live link in EHRs that linkify. Before rendering, every data-derived string of the determination
// is made inert: line breaks fold to spaces, a leading block marker (#, -, +, 1., ~~~, indentation)
// becomes a character reference, which CommonMark never reads as structure, and URL starts get a
// zero-width space so no autolinker sees a link. The machine-readable extension keeps the original.
import type { Determination } from '../criteria/model';

const LINE_BREAKS = /[\r\n\u000b\u000c\u0085\u2028\u2029]+/g;
const ZWSP = '\u200b';

/** One string made inert for a markdown line: no line breaks, no leading block marker, no autolink. */
export function inertMarkdownText(text: string): string {
  let s = text.replace(LINE_BREAKS, ' ').replace(/^[ \t]+/, '');
  s = s.replace(/^#/, '&#35;').replace(/^([-+])/, (m) => `&#${m.charCodeAt(0)};`).replace(/^(\d{1,9})([.)])/, (_m, n: string, p: string) => `${n}&#${p.charCodeAt(0)};`);
  s = s.replace(/^([~=])/, (m) => `&#${m.charCodeAt(0)};`);
  return s.replace(/(https?|ftp|mailto)(:)/gi, `$1${ZWSP}$2`).replace(/\bwww\./gi, `www${ZWSP}.`);
}

/** Keys whose strings are ours (policy library) or are URLs the card links to on purpose. */
const OURS = new Set(['policy', 'advisories', 'url', 'citation', 'confidence']);

function inert(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return inertMarkdownText(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => inert(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = OURS.has(k) ? v : inert(v, depth + 1);
  return out;
}

/** A copy of the determination whose data-derived text cannot break the card markdown rendered from it. */
export function markdownSafe(d: Determination): Determination {
  return inert(d) as Determination;
}
