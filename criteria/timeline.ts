// The care that matters, in date order, classified exactly as the criteria classify it (the same
// value sets, families, sessions and relief readings): the SMART app's timeline draws this, so the
// picture and the determination cannot disagree about what counted as therapy, a block, its relief or
// imaging.
import { addDays } from './dates';
import type { PolicyLibrary } from './model';
import { extractRecords } from './records';
import { attachRelief } from './relief';
import { sessionsOf } from './sessions';
import { matchOf } from './match';

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
  /** What the entry is, in the engine's words: a procedure family, a medication, a diagnosis. */
  kind: string;
}

export interface PainPoint {
  reference: string;
  date: string;
  score: number;
}

/** Which lane each family's sessions are drawn in (by the family's value set id). */
const LANE_OF: Record<string, CareLane> = {
  'pt-proc': 'conservative',
  'chiro-proc': 'conservative',
  'cbt-proc': 'conservative',
  'home-exercise-proc': 'conservative',
  'sij-ia-injection-proc': 'injection',
  'sij-lbb-proc': 'injection',
  'facet-mbb-proc': 'injection',
  'epidural-proc': 'injection',
  'coccygeal-diagnostic-injection-proc': 'injection',
  'sij-rfa-proc': 'rfa',
  'neurectomy-proc': 'rfa',
  'spine-imaging': 'imaging',
  'coccyx-dynamic-imaging': 'imaging',
};
const PAIN_DIAGNOSES = ['sij-pain-dx', 'coccydynia-dx', 'sacrococcygeal-dx', 'low-back-pain-dx', 'lumbar-spondylosis-dx', 'inflammatory-spa-dx'];

export function careTimeline(lib: PolicyLibrary, resources: readonly unknown[], asOf = '9999-12-31'): { events: CareEvent[]; pain: PainPoint[] } {
  const records = extractRecords(lib, resources);
  attachRelief(lib, records);
  const events: CareEvent[] = [];
  const families = lib.families.map((f) => f.id).filter((id) => LANE_OF[id]);
  for (const s of sessionsOf(lib, records, families, asOf)) {
    const first = s.entries[0]!;
    const family = lib.families.find((f) => f.id === s.family);
    events.push({
      reference: first.ref,
      lane: LANE_OF[s.family]!,
      start: s.date,
      label: first.code?.text || first.code?.coding?.[0]?.display || family?.label || s.family,
      ...(s.relief ? { relief: s.relief.pct } : {}),
      kind: family?.label ?? s.family,
    });
  }
  for (const m of records.medications) {
    if (!m.start) continue;
    events.push({ reference: m.ref, lane: 'conservative', start: m.start, end: m.end ?? addDays(m.start, 30), label: m.text || 'analgesic', kind: 'medication' });
  }
  for (const c of records.conditions) {
    if (c.status !== 'active' || c.history || !c.date) continue;
    const dx = PAIN_DIAGNOSES.find((id) => matchOf(lib, c, id));
    if (dx) events.push({ reference: c.ref, lane: 'diagnosis', start: c.date, label: c.text, kind: lib.valueSet(dx).title });
  }
  events.sort((a, b) => a.start.localeCompare(b.start));
  const pain = records.observations
    .filter((o) => o.date && o.value !== undefined && matchOf(lib, o, lib.reading.painScores))
    .map((o) => ({ reference: o.ref, date: o.date!, score: o.value! }))
    .sort((a, b) => a.date.localeCompare(b.date));
  return { events, pain };
}
