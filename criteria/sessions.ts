// Sessions, not entries: one date of service for one procedure family is one session, whatever the
// number of entries (left and right sides on the same day, a bilateral procedure entered as two
// Procedures, an Encounter and its Procedure). Every count and limit counts sessions.
// Each session also gets a phase, diagnostic or therapeutic: what the record says, else the family's
// rule (a lateral branch block is diagnostic, an ablation therapeutic; an intra-articular injection is
// diagnostic until a diagnostic session has been positive, and therapeutic after).
// Stage: between extraction (records.ts, relief.ts) and the facts. Pure.
import type { Evidence, FamilySpec, PolicyLibrary } from './model';
import type { Laterality, ProcedureRec, Records, Relief } from './records';

export interface Session {
  family: string;
  date: string;
  entries: ProcedureRec[];
  laterality?: Laterality;
  /** The lowest relief recorded among the session's entries (both sides must meet a threshold). */
  relief?: Relief;
  phase?: 'diagnostic' | 'therapeutic';
}

const cache = new WeakMap<Records, Map<string, Session[]>>();

function mergeLaterality(a: Laterality | undefined, b: Laterality | undefined): Laterality | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  return 'bilateral';
}

function lowestRelief(entries: ProcedureRec[]): Relief | undefined {
  const withRelief = entries.filter((e) => e.relief);
  if (withRelief.length === 0) return undefined;
  const lowest = withRelief.reduce((lo, e) => (e.relief!.pct < lo.relief!.pct ? e : lo)).relief!;
  if (withRelief.length === 1) return lowest;
  const evidence: Evidence[] = withRelief.flatMap((e) => e.relief!.evidence);
  return { ...lowest, evidence };
}

/** The phase of each session in date order, as one series over the given families. */
function assignPhases(lib: PolicyLibrary, sessions: Session[]): void {
  const spec = new Map<string, FamilySpec>(lib.families.map((f) => [f.id, f]));
  let positiveDiagnostic = false;
  for (const s of sessions) {
    const f = spec.get(s.family);
    const hint = s.entries.find((e) => e.phaseHint)?.phaseHint;
    s.phase = hint ?? (f?.phase === 'sequence' ? (positiveDiagnostic ? 'therapeutic' : 'diagnostic') : f?.phase === 'diagnostic' || f?.phase === 'therapeutic' ? f.phase : undefined);
    if (s.phase === 'diagnostic' && s.relief && s.relief.pct >= (f?.positiveAt ?? 75)) positiveDiagnostic = true;
  }
}

/** Completed, dated sessions of the given families on or before `asOf`, oldest first. */
export function sessionsOf(lib: PolicyLibrary, records: Records, families: readonly string[], asOf: string): Session[] {
  const key = `${[...families].sort().join('+')}@${asOf}`;
  let byKey = cache.get(records);
  if (!byKey) cache.set(records, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const wanted = new Set(families);
  const groups = new Map<string, Session>();
  for (const p of records.procedures) {
    if (!p.completed || !p.family || !wanted.has(p.family) || !p.date || p.date > asOf) continue;
    const k = `${p.family}|${p.date}`;
    const s = groups.get(k);
    if (s) {
      s.entries.push(p);
      s.laterality = mergeLaterality(s.laterality, p.laterality);
    } else groups.set(k, { family: p.family, date: p.date, entries: [p], laterality: p.laterality });
  }
  const sessions = [...groups.values()].sort((a, b) => a.date.localeCompare(b.date) || a.family.localeCompare(b.family));
  for (const s of sessions) s.relief = lowestRelief(s.entries);
  assignPhases(lib, sessions);
  byKey.set(key, sessions);
  return sessions;
}

/** "2025-10-07 (bilateral, 80% relief)" */
export const describeSession = (s: Session): string =>
  `${s.date}${s.laterality ? ` ${s.laterality}` : ''}${s.entries.length > 1 ? `, ${s.entries.length} entries` : ''}${s.relief ? `, ${s.relief.range && s.relief.range[1] < 100 && s.relief.pct === 0 ? `under ${Math.ceil(s.relief.range[1])}%` : `${s.relief.pct}%`} relief` : ''}`;
