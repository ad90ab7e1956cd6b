// The one negation-and-context reader every text reader uses (value-set text patterns, imaging report
// findings, relief sentences, order readings). NegEx-style (Chapman et al., J Biomed Inform 2001): a
// mention of a finding is negated when a negation trigger precedes it (or follows it) within the same
// clause, and a termination term ends the trigger's scope. Besides negation it marks the contexts a
// reviewer sets aside: history ("history of"), family ("mother had"), hypothetical or screening ("if",
// "screening for") and uncertain ("rule out", "cannot exclude", "possible").
// Stage: used by extraction (records.ts, relief.ts) and by value-set matching (valueset.ts). Pure.

export const CONTEXTS = ['affirmed', 'negated', 'uncertain', 'historical', 'family', 'hypothetical'] as const;
export type MentionContext = (typeof CONTEXTS)[number];

export interface Mention {
  /** The words that matched the finding's pattern. */
  text: string;
  /** The sentence they stand in, as written (for quoting). */
  sentence: string;
  context: MentionContext;
  /** The trigger that set the context, when it is not affirmed. */
  trigger?: string;
}

// Triggers are matched on lower-cased text at word boundaries. Order matters inside each list only
// for readability; the nearest trigger to the mention wins.
const PRE_NEGATION = [
  'no evidence of', 'no signs of', 'no sign of', 'no findings of', 'no suggestion of', 'negative for', 'free of',
  'absence of', 'absent', 'without', 'w/o', 'denies', 'denied', 'denying', 'deny', 'not', 'no', 'never', 'neither', 'nor',
  'ruled out', 'resolved', 'unremarkable for', 'non-', 'non',
];
const POST_NEGATION = [
  'ruled out', 'was ruled out', 'has been ruled out', 'not seen', 'is not seen', 'not identified', 'not demonstrated',
  'not present', 'is absent', 'are absent', 'was negative', 'were negative', 'is negative', 'negative', 'resolved',
  'has resolved', 'unlikely', 'excluded',
];
const PSEUDO_NEGATION = [
  'no change', 'no significant change', 'no increase', 'not only', 'no further', 'gram negative', 'not certain whether',
  'not certain if', 'without difficulty', 'no interval change', 'not necessarily',
];
const UNCERTAIN = [
  'rule out', 'r/o', 'to exclude', 'cannot exclude', 'can not exclude', 'cannot be excluded', 'not excluded',
  'cannot rule out', 'possible', 'possibly', 'probable', 'questionable', 'suspected', 'suspicious for', 'concern for',
  'concerning for', 'may represent', 'versus', 'vs', 'differential',
];
const HISTORICAL = ['history of', 'hx of', 'h/o', 'past history of', 'previous', 'prior', 'remote', 'healed', 'personal history of'];
const FAMILY = ['family history of', 'family history', 'fhx', 'mother', 'father', 'brother', 'sister', 'sibling', 'aunt', 'uncle', 'grandmother', 'grandfather', 'daughter', 'son'];
const HYPOTHETICAL = ['screening for', 'screen for', 'if', 'in case of', 'should', 'return if', 'call if', 'monitor for', 'risk of', 'at risk for'];
/** A trigger's scope ends at these words (and at sentence and clause punctuation). */
const TERMINATION = ['but', 'however', 'although', 'though', 'except', 'aside from', 'apart from', 'which', 'who', 'yet', 'still', 'and there is', 'with'];

/** How many words a trigger reaches (NegEx uses five; ICD titles such as "without myelopathy or radiculopathy" need a few more). */
const SCOPE_WORDS = 8;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const phraseRe = (list: string[]) =>
  new RegExp(`(?:^|[^a-z0-9])(${[...list].sort((a, b) => b.length - a.length).map((p) => escape(p).replace(/\\-$/, '-')).join('|')})(?=$|[^a-z0-9])`, 'g');
const RE = {
  pseudo: phraseRe(PSEUDO_NEGATION),
  pre: phraseRe(PRE_NEGATION),
  post: phraseRe(POST_NEGATION),
  uncertain: phraseRe(UNCERTAIN),
  historical: phraseRe(HISTORICAL),
  family: phraseRe(FAMILY),
  hypothetical: phraseRe(HYPOTHETICAL),
  termination: phraseRe(TERMINATION),
};
// "non-radicular": the prefix binds to the next word with no space.
const NON_PREFIX = /(?:^|[^a-z0-9])non-?$/;

/** Sentences (and list items) of a text, with where each starts. Abbreviations such as "L5-S1." are rare enough to ignore. */
export function sentences(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  // A stop not followed by a space or the end ("1.5 cm", "e.g.x") is inside the sentence: the splitter once
  // dropped everything before a decimal, the "No evidence of" of "No evidence of a 1.5 cm mass" with it.
  const re = /(?:[^.!?\n\r;]|[.!?](?!\s|$))+(?:[.!?]+(?=\s|$)|[\n\r;]+|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const trimmed = m[0].trim();
    if (trimmed) out.push({ text: trimmed.replace(/[\n\r;]+$/, ''), start: m.index + m[0].indexOf(trimmed) });
  }
  return out;
}

interface Hit {
  phrase: string;
  start: number;
  end: number;
}
const hits = (re: RegExp, s: string): Hit[] => {
  const out: Hit[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const phrase = m[1]!;
    const start = m.index + m[0].indexOf(phrase);
    out.push({ phrase, start, end: start + phrase.length });
    re.lastIndex = start + phrase.length;
  }
  return out;
};

const wordsBetween = (s: string, from: number, to: number) => s.slice(from, to).split(/[^a-z0-9/%-]+/).filter(Boolean).length;
/** Words that open a new, affirmed finding after a comma ("no fracture, severe stenosis"). */
const NEW_FINDING = /^(?:and |or )?(?:there (?:is|are)|mild|moderate|severe|marked|large|small|focal|positive|significant|new)\b/;
/**
 * Whether a trigger's scope is broken between two positions: clause punctuation, a termination word,
 * or a comma that does not continue a list ("no fracture, mass or infection" is one list; "no
 * fracture, severe stenosis" starts a new finding).
 */
function broken(s: string, from: number, to: number, terms: Hit[]): boolean {
  const between = s.slice(from, to);
  if (/[:()]/.test(between)) return true;
  if (terms.some((t) => t.start >= from && t.end <= to)) return true;
  if (!between.includes(',')) return false;
  return between
    .split(',')
    .slice(1)
    .some((seg) => NEW_FINDING.test(seg.trim()) || seg.trim().split(/\s+/).filter(Boolean).length > 4);
}

/** A sentence's termination words and pseudo-triggers ("no increase"), which bound and void the other triggers. */
interface Bounds {
  terms: Hit[];
  pseudo: Hit[];
}

const inPseudo = (h: Hit, bounds: Bounds) => bounds.pseudo.some((p) => h.start >= p.start && h.end <= p.end);

/** The nearest trigger of `re` before `start` whose scope reaches it. */
const triggerBefore = (re: RegExp, s: string, start: number, bounds: Bounds): Hit | undefined =>
  hits(re, s)
    .filter((h) => h.end <= start && !inPseudo(h, bounds) && wordsBetween(s, h.end, start) <= SCOPE_WORDS && !broken(s, h.end, start, bounds.terms))
    .at(-1);

/** The first trigger of `re` after `end`, within four words. */
const triggerAfter = (re: RegExp, s: string, end: number, bounds: Bounds): Hit | undefined =>
  hits(re, s).find((h) => h.start >= end && !inPseudo(h, bounds) && wordsBetween(s, end, h.start) <= 4 && !broken(s, end, h.start, bounds.terms));

/** The context of the words at [start, end) of one lower-cased sentence. */
function contextAt(s: string, start: number, end: number): { context: MentionContext; trigger?: string } {
  const bounds: Bounds = { terms: hits(RE.termination, s), pseudo: hits(RE.pseudo, s) };

  if (NON_PREFIX.test(s.slice(0, start))) return { context: 'negated', trigger: 'non-' };
  // The nearest pre-trigger of any kind decides; post-negation and post-uncertainty come next.
  const candidates: { context: MentionContext; hit: Hit }[] = [];
  const pre = triggerBefore(RE.pre, s, start, bounds);
  if (pre) candidates.push({ context: 'negated', hit: pre });
  const unc = triggerBefore(RE.uncertain, s, start, bounds);
  if (unc) candidates.push({ context: 'uncertain', hit: unc });
  const hist = triggerBefore(RE.historical, s, start, bounds);
  if (hist) candidates.push({ context: 'historical', hit: hist });
  const fam = triggerBefore(RE.family, s, start, bounds);
  if (fam) candidates.push({ context: 'family', hit: fam });
  const hyp = triggerBefore(RE.hypothetical, s, start, bounds);
  if (hyp) candidates.push({ context: 'hypothetical', hit: hyp });
  const nearest = candidates.sort((a, b) => b.hit.end - a.hit.end || b.hit.phrase.length - a.hit.phrase.length)[0];
  if (nearest) return { context: nearest.context, trigger: nearest.hit.phrase };
  const post = triggerAfter(RE.post, s, end, bounds);
  if (post) return { context: 'negated', trigger: post.phrase };
  const postUnc = triggerAfter(RE.uncertain, s, end, bounds);
  if (postUnc) return { context: 'uncertain', trigger: postUnc.phrase };
  return { context: 'affirmed' };
}

const globalPatterns = new WeakMap<RegExp, RegExp>();
/** `pattern` made global and case-insensitive, once per pattern (the library's patterns are read for every entry). */
function globalOf(pattern: RegExp): RegExp {
  let re = globalPatterns.get(pattern);
  if (!re) globalPatterns.set(pattern, (re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags.replace('i', '') + 'i' : `${pattern.flags.replace('i', '')}gi`)));
  return re;
}

/**
 * Short texts read before, per pattern: a record repeats the same code displays and titles entry
 * after entry (every physical-therapy session says "Therapeutic procedure, … therapeutic exercises"),
 * and reading one for context costs a dozen regular expressions. The reading is a pure function of
 * the text, so a remembered one is the same answer; only texts of code-display length are kept (no
 * narrative), at most MEMO_SIZE per pattern, and the results are frozen so no caller can change them.
 */
const MEMO_TEXT_MAX = 200;
const MEMO_SIZE = 2048;
const memos = new WeakMap<RegExp, Map<string, readonly Mention[]>>();

/** Every mention of `pattern` in `text`, each with its sentence and context. `pattern` is used case-insensitively. */
export function mentions(text: string, pattern: RegExp): readonly Mention[] {
  if (text.length > MEMO_TEXT_MAX) return readMentions(text, pattern);
  let memo = memos.get(pattern);
  if (!memo) memos.set(pattern, (memo = new Map()));
  let out = memo.get(text);
  if (!out) {
    if (memo.size >= MEMO_SIZE) memo.clear();
    out = Object.freeze(readMentions(text, pattern).map((m) => Object.freeze(m)));
    memo.set(text, out);
  }
  return out;
}

function readMentions(text: string, pattern: RegExp): Mention[] {
  const out: Mention[] = [];
  const re = globalOf(pattern);
  for (const sentence of sentences(text)) {
    const lower = sentence.text.toLowerCase();
    re.lastIndex = 0;
    for (let m = re.exec(sentence.text); m; m = re.exec(sentence.text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const { context, trigger } = contextAt(lower, m.index, m.index + m[0].length);
      out.push({ text: m[0], sentence: sentence.text, context, ...(trigger ? { trigger } : {}) });
    }
  }
  return out;
}

/** The first mention of `pattern` that the text affirms, or undefined. */
export function affirmed(text: string, pattern: RegExp): Mention | undefined {
  return mentions(text, pattern).find((m) => m.context === 'affirmed');
}
