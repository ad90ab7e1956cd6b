// The care that matters, in date order, classified exactly as the criteria classify it (the same
// value sets and relief readings): the SMART app's timeline draws this, so the picture and the
// determination cannot disagree about what counted as therapy, a block, its relief or imaging.
import { addDays } from './dates';
import type { PolicyLibrary } from './library';
import { extractRecords, type DxCategory, type ProcKind } from './records';

export const CARE_LANES = ['diagnosis', 'conservative', 'injection', 'rfa', 'imaging'] as const;
export type CareLane = (typeof CARE_LANES)[number];

export interface CareEvent {
  reference: string;
  lane: CareLane;
  start: string;
  /** For spans (a prescription's course). */
  end?: string;
  label: string;
  /** Percentage relief after a block or ablation, when the record gives it. */
  relief?: number;
  /** What the entry is, in the engine's words: a procedure kind, "analgesic: nsaid", a diagnosis category. */
  kind: string;
}

export interface PainPoint {
  reference: string;
  date: string;
  score: number;
}

const LANE_OF: Record<ProcKind, CareLane> = {
  pt: 'conservative',
  chiro: 'conservative',
  cbt: 'conservative',
  'ia-injection': 'injection',
  lbb: 'injection',
  'facet-mbb': 'injection',
  epidural: 'injection',
  'coccygeal-dx-injection': 'injection',
  rfa: 'rfa',
  neurectomy: 'rfa',
  'spine-imaging': 'imaging',
  'coccyx-dynamic-imaging': 'imaging',
};
const PAIN_CATEGORIES: DxCategory[] = ['sij', 'coccydynia', 'sacrococcygeal-unspecified', 'low-back-pain', 'lumbar-spondylosis', 'inflammatory'];

export function careTimeline(lib: PolicyLibrary, resources: readonly unknown[]): { events: CareEvent[]; pain: PainPoint[] } {
  const records = extractRecords(lib, resources);
  const events: CareEvent[] = [];
  const procedureDays = new Set(records.procedures.filter((p) => p.resourceType === 'Procedure').map((p) => `${p.kind}|${p.date}`));
  for (const p of records.procedures) {
    if (!p.kind || !p.date || !p.completed) continue;
    // A therapy Encounter with a Procedure of the same kind that day is one session, drawn once.
    if (p.resourceType === 'Encounter' && procedureDays.has(`${p.kind}|${p.date}`)) continue;
    events.push({
      reference: p.ref,
      lane: LANE_OF[p.kind],
      start: p.date,
      label: p.code?.text || p.code?.coding?.[0]?.display || p.text || p.kind,
      relief: p.relief?.pct,
      kind: p.kind,
    });
  }
  for (const m of records.medications) {
    if (!m.date) continue;
    events.push({ reference: m.ref, lane: 'conservative', start: m.date, end: m.end ?? addDays(m.date, 30), label: m.text || m.cls, kind: `analgesic: ${m.cls}` });
  }
  for (const c of records.conditions) {
    const cat = PAIN_CATEGORIES.find((k) => c.categories.has(k));
    if (cat && c.date && c.active) events.push({ reference: c.ref, lane: 'diagnosis', start: c.date, label: c.text, kind: cat });
  }
  events.sort((a, b) => a.start.localeCompare(b.start));
  const pain = records.painScores
    .filter((s) => s.date)
    .map((s) => ({ reference: s.ref, date: s.date!, score: s.value }))
    .sort((a, b) => a.date.localeCompare(b.date));
  return { events, pain };
}
