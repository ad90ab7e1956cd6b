// Relief after a block, injection or ablation: a pass after extraction that attaches to each session
// entry of a family that reads relief what the record says about it, in the three ways records carry it:
//   (b) an Observation naming pain relief, partOf the procedure: valueQuantity in % or valueString ("80-90%");
//   (a) pre and post 0–10 pain scores on the procedure's day, linked by partOf or by time around it;
//   (c) a percentage written in the procedure's outcome or note.
// (b) wins over (a), which wins over (c). Relief as written: only a percentage bound to a relief or
// improvement word counts, a range counts as its lower bound, a drug concentration ("lidocaine 1%",
// "0.5% bupivacaine") never does, and the evidence quotes the sentence the number came from.
import type { Evidence, PolicyLibrary } from './model';
import { localRef, evidenceOf } from './evidence';
import { mentions, sentences } from './negation';
import type { ObservationRec, ProcedureRec, Records, Relief } from './records';
import { clip } from './text';
import { matchOf } from './match';

const RELIEF_WORD = /\b(?:relie(?:f|ved)|improve(?:d|ment)?|reduc(?:ed|tion)|decrease(?:d)?|better|resolution)\b/i;
const DRUG_WORD =
  /\b(?:lido(?:caine)?|xylocaine|bupivacaine|marcaine|sensorcaine|ropivacaine|naropin|mepivacaine|chloroprocaine|procaine|tetracaine|chlorhexidine|betadine|povidone|iodine|alcohol|isopropyl|dextrose|saline|sodium chloride|contrast|omnipaque|isovue|iohexol|gadolinium|triamcinolone|kenalog|methylprednisolone|depo-?medrol|dexamethasone|betamethasone|celestone|epinephrine|solution|cream|gel|ointment|w\/v)\b/i;

interface Pct {
  value: number;
  range?: [number, number];
  start: number;
  end: number;
  text: string;
}

const NUM = String.raw`(\d{1,3}(?:\.\d+)?)`;
/** "%", "percent" or "per cent": the unit every form below ends in (a range may give it twice). */
const PCT = String.raw`(?:%|percent\b|per cent\b)`;
const PCT_FORMS: { re: RegExp; read: (m: RegExpExecArray) => Omit<Pct, 'start' | 'end' | 'text'> }[] = [
  { re: new RegExp(String.raw`${NUM}\s*${PCT}?\s*(?:-|–|—|to)\s*${NUM}\s*${PCT}`, 'gi'), read: (m) => ({ value: Number(m[1]) }) },
  {
    re: new RegExp(String.raw`(?:<|less than|under|below|not even)\s*${NUM}\s*${PCT}`, 'gi'),
    read: (m) => ({ value: 0, range: [0, Math.max(0, Number(m[1]) - 0.01)] }),
  },
  {
    re: new RegExp(String.raw`(?:>|more than|greater than|over|at least|above)\s*${NUM}\s*${PCT}`, 'gi'),
    read: (m) => ({ value: Number(m[1]), range: [Number(m[1]), 100] }),
  },
  { re: new RegExp(String.raw`${NUM}\s*${PCT}`, 'gi'), read: (m) => ({ value: Number(m[1]) }) },
];

function percentages(sentence: string): Pct[] {
  const out: Pct[] = [];
  for (const { re, read } of PCT_FORMS) {
    re.lastIndex = 0;
    for (let m = re.exec(sentence); m; m = re.exec(sentence)) {
      const start = m.index;
      const end = start + m[0].length;
      if (out.some((p) => start < p.end && end > p.start)) continue; // a longer form already took these words
      out.push({ ...read(m), start, end, text: m[0] });
    }
  }
  return out.filter((p) => p.value >= 0 && p.value <= 100);
}

/** A percentage that sits next to a drug or solution word is a concentration, not relief. */
function isConcentration(sentence: string, p: Pct): boolean {
  const before = sentence.slice(Math.max(0, p.start - 30), p.start);
  const after = sentence.slice(p.end, p.end + 30);
  const drugBefore = /(\S+\s*){0,2}$/.exec(before)?.[0] ?? '';
  const drugAfter = /^(\s*\S+){0,2}/.exec(after)?.[0] ?? '';
  return DRUG_WORD.test(drugBefore) || DRUG_WORD.test(drugAfter);
}

export interface TextRelief {
  pct: number;
  range?: [number, number];
  /** The sentence the number came from, as written. */
  quote: string;
  /** The words that gave the number ("80-90%"). */
  written: string;
}

const wordIndex = (text: string, at: number): number => text.slice(0, at).split(/\s+/).filter(Boolean).length;

/** The relief a text states: the percentage nearest a relief word (within 8 words, same sentence), in a sentence that does not negate the relief. */
export function reliefFromText(text: string): TextRelief | undefined {
  for (const s of sentences(text)) {
    const words: number[] = [];
    const re = new RegExp(RELIEF_WORD.source, 'gi');
    for (let m = re.exec(s.text); m; m = re.exec(s.text)) words.push(wordIndex(s.text, m.index));
    if (words.length === 0 || mentions(s.text, RELIEF_WORD).every((m) => m.context === 'negated')) continue;
    let best: { p: Pct; distance: number } | undefined;
    for (const p of percentages(s.text)) {
      if (isConcentration(s.text, p)) continue;
      const at = wordIndex(s.text, p.start);
      const distance = Math.min(...words.map((w) => Math.abs(w - at)));
      if (distance <= 8 && (!best || distance < best.distance)) best = { p, distance };
    }
    if (best) return { pct: best.p.value, ...(best.p.range ? { range: best.p.range } : {}), quote: clip(s.text), written: best.p.text.trim() };
  }
  return undefined;
}

/** The first percentage of a value that is relief by definition (an Observation coded as percent relief). */
function percentageOf(text: string): TextRelief | undefined {
  for (const s of sentences(text)) {
    const p = percentages(s.text).find((x) => !isConcentration(s.text, x));
    if (p) return { pct: p.value, ...(p.range ? { range: p.range } : {}), quote: clip(s.text), written: p.text.trim() };
  }
  return undefined;
}

/** "lasting more than 6 months", "for 12 weeks", "x 3 months", "for 4 months": how long relief lasted, in weeks (a lower bound). */
export function durationWeeksFromText(text: string): { weeks: number; quote: string } | undefined {
  const re = /(?:lasting|lasted|last(?:s|ed)? for|for|x|over|sustained(?: for)?|through|×)\s+(?:more than\s+|over\s+|about\s+|approximately\s+|at least\s+|>\s*|~\s*)?(\d{1,3}(?:\.\d)?)\s*(day|week|wk|month|mo|year|yr)s?\b/i;
  for (const s of sentences(text)) {
    const m = re.exec(s.text);
    if (!m) continue;
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    const weeks = unit.startsWith('d') ? n / 7 : unit.startsWith('w') ? n : unit.startsWith('m') ? (n * 52) / 12 : n * 52;
    return { weeks, quote: clip(s.text) };
  }
  return undefined;
}

const linkedTo = (proc: ProcedureRec) => (o: ObservationRec) => o.partOf.some((p) => localRef(p, 'Procedure') === proc.ref);

function fromReliefObservation(lib: PolicyLibrary, proc: ProcedureRec, records: Records, weeks?: number): Relief | undefined {
  for (const o of records.observations.filter(linkedTo(proc)).filter((o) => o.final && matchOf(lib, o, lib.reading.reliefObservations))) {
    const quantity = o.value !== undefined && (o.unit === undefined || /%|percent/i.test(o.unit)) ? o.value : undefined;
    const written = quantity === undefined && o.valueText ? percentageOf(o.valueText) : undefined;
    const pct = quantity ?? written?.pct;
    if (pct === undefined || pct < 0 || pct > 100) continue;
    const duration = o.valueText ? durationWeeksFromText(o.valueText)?.weeks : undefined;
    return {
      pct,
      ...(written?.range ? { range: written.range } : {}),
      weeks: duration ?? weeks,
      how: 'relief-observation',
      evidence: [
        evidenceOf(o, quantity !== undefined ? 'observationQuantity' : 'observationString', {
          value: `${written?.written ?? `${pct}%`} relief`,
          ...(o.valueText ? { quote: clip(o.valueText) } : {}),
          note: `relief recorded for ${proc.ref}`,
        }),
      ],
    };
  }
  return undefined;
}

function fromScores(lib: PolicyLibrary, proc: ProcedureRec, records: Records, weeks?: number): Relief | undefined {
  const sameDay = records.observations.filter(
    (o) =>
      o.final && o.value !== undefined && (linkedTo(proc)(o) || (o.partOf.length === 0 && o.date !== undefined && o.date === proc.date)) && matchOf(lib, o, lib.reading.painScores),
  );
  if (sameDay.length < 2) return undefined;
  const sorted = [...sameDay].sort((a, b) => (a.instant ?? 0) - (b.instant ?? 0));
  const at = proc.instant;
  const pre = at !== undefined ? [...sorted].reverse().find((s) => (s.instant ?? 0) <= at) ?? sorted[0]! : sorted[0]!;
  const post = at !== undefined ? sorted.find((s) => (s.instant ?? 0) > at) ?? sorted.at(-1)! : sorted.at(-1)!;
  if (pre === post || !(pre.value! > 0)) return undefined;
  const pct = Math.max(0, Math.round(((pre.value! - post.value!) / pre.value!) * 100));
  return {
    pct,
    weeks,
    how: 'pre-post-scores',
    evidence: [
      evidenceOf(pre, 'observationQuantity', { value: `${pre.value}/10 before`, note: `pain score before ${proc.ref}` }),
      evidenceOf(post, 'observationQuantity', { value: `${post.value}/10 after`, note: `pain score after ${proc.ref}` }),
    ],
  };
}

function fromText(proc: ProcedureRec, weeks?: number): Relief | undefined {
  const t = reliefFromText(proc.notes);
  if (!t) return undefined;
  return {
    pct: t.pct,
    ...(t.range ? { range: t.range } : {}),
    weeks,
    how: 'procedure-text',
    evidence: [evidenceOf(proc, 'procedureText', { value: `${t.written} relief`, quote: t.quote, note: "read from the procedure's outcome or note" })],
  };
}

/** Attach relief to every entry of a family that reads relief. */
export function attachRelief(lib: PolicyLibrary, records: Records): void {
  const reads = new Set(lib.families.filter((f) => f.readsRelief).map((f) => f.id));
  for (const p of records.procedures) {
    if (!p.family || !reads.has(p.family)) continue;
    const duration = durationWeeksFromText(p.notes);
    if (duration) p.reliefWeeks = duration.weeks;
    p.relief = fromReliefObservation(lib, p, records, duration?.weeks) ?? fromScores(lib, p, records, duration?.weeks) ?? fromText(p, duration?.weeks);
    if (p.relief && duration && !p.relief.evidence.some((e) => e.quote === duration.quote)) {
      p.relief.evidence.push(evidenceOf(p, 'procedureText', { value: `relief lasted about ${Math.round(duration.weeks)} weeks`, quote: duration.quote }));
    }
  }
}

export type { Evidence };
