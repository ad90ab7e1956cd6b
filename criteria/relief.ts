// Relief after a block, read in the three ways records carry it (DOMAIN.md §3):
//   (a) pre and post 0–10 pain scores on the block's day, linked by partOf or by time around the block;
//   (b) an Observation in % whose code names pain relief, partOf the Procedure;
//   (c) a percentage in Procedure.outcome.text or note ("80-90% relief" counts as 80, the lower bound).
// An explicit percentage (b) wins over computed scores (a), which win over free text (c).
import { expr } from './fhirpath';
import type { Evidence } from './model';
import { evidenceOf, type ProcedureRec, type Records, type Rec } from './records';

export interface Relief {
  pct: number;
  /** How long the relief lasted, in weeks, when the record says. */
  weeks?: number;
  evidence: Evidence[];
  how: 'relief-observation' | 'pre-post-scores' | 'procedure-text';
}

const ev = (rec: Rec, path: string, value: string, note?: string): Evidence => evidenceOf(rec, path, { value, note });

/** "80-90% relief", "80 to 90 % relief", "relief of 75%": the lower bound of the first percentage near a relief word. */
export function reliefFromText(text: string): number | undefined {
  if (!/relie|improve|reduction|better/i.test(text)) return undefined;
  const m = /(\d{1,3}(?:\.\d+)?)\s*%?\s*(?:-|–|to)\s*(\d{1,3}(?:\.\d+)?)\s*%|(\d{1,3}(?:\.\d+)?)\s*%/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1] ?? m[3]);
  return n >= 0 && n <= 100 ? n : undefined;
}

/** "lasting more than 6 months", "for 12 weeks", "x 3 months": relief duration in weeks. */
export function durationWeeksFromText(text: string): number | undefined {
  const m = /(?:lasting|lasted|for|x|over)\s+(?:more than\s+|over\s+|about\s+|approximately\s+|>\s*)?(\d{1,3})\s*(day|week|month|year)s?/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit === 'day' ? n / 7 : unit === 'week' ? n : unit === 'month' ? (n * 52) / 12 : n * 52;
}

export function extractRelief(proc: ProcedureRec, records: Records): Relief | undefined {
  const weeks = durationWeeksFromText(proc.text);
  const linked = (o: { partOf: string[] }) => o.partOf.includes(proc.ref);

  const explicit = records.reliefObservations.find(linked);
  if (explicit) {
    return {
      pct: explicit.value,
      weeks,
      how: 'relief-observation',
      evidence: [ev(explicit, expr('observationQuantity'), `${explicit.value}% relief`, `relief recorded for ${proc.ref}`)],
    };
  }

  const sameDay = records.painScores.filter((s) => linked(s) || (s.partOf.length === 0 && s.date !== undefined && s.date === proc.date));
  if (sameDay.length >= 2) {
    const sorted = [...sameDay].sort((a, b) => (a.instant ?? '').localeCompare(b.instant ?? ''));
    const at = proc.instant && proc.instant.length > 10 ? proc.instant : undefined;
    const pre = at ? [...sorted].reverse().find((s) => (s.instant ?? '') <= at) ?? sorted[0]! : sorted[0]!;
    const post = at ? sorted.find((s) => (s.instant ?? '') > at) ?? sorted[sorted.length - 1]! : sorted[sorted.length - 1]!;
    if (pre !== post && pre.value > 0) {
      const pct = Math.round(((pre.value - post.value) / pre.value) * 100);
      return {
        pct: Math.max(0, pct),
        weeks,
        how: 'pre-post-scores',
        evidence: [
          ev(pre, expr('observationQuantity'), `${pre.value}/10 before`, `pain score before ${proc.ref}`),
          ev(post, expr('observationQuantity'), `${post.value}/10 after`, `pain score after ${proc.ref}`),
        ],
      };
    }
  }

  const fromText = reliefFromText(proc.text);
  if (fromText !== undefined) {
    return {
      pct: fromText,
      weeks,
      how: 'procedure-text',
      evidence: [ev(proc, expr('procedureText'), `${fromText}% relief`, `read from the procedure's outcome or note: "${proc.text.slice(0, 120)}"`)],
    };
  }
  return undefined;
}
