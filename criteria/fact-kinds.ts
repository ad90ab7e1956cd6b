// Stage 2 of the pipeline: the closed set of fact kinds. Each fact in the catalogue
// (criteria/facts/*.json) names one kind and gives its parameters (value sets, families, windows,
// phase); the kind computes the value and the dated entries behind it, or `undefined` when the record
// does not establish it. Kinds are dispatched from one table, typed so that a kind without a handler
// (or a handler without a parameter schema) fails to compile. A few facts are defined by absence
// ("no prior session in the record"): they say so (`byAbsence`).
import { z } from 'zod';
import { addMonths, round1, toDay, weeksBetween } from './dates';
import { evidenceOf } from './evidence';
import type { Evidence, Fact, FactSpec, PolicyLibrary } from './model';
import type { OrderInfo } from './orders';
import type { ConditionRec, ObservationRec, Records } from './records';
import { describeSession, sessionsOf, type Session } from './sessions';
import { affirmed } from './negation';
import { clip } from './text';
import { classOf, inAny } from './match';

export interface FactContext {
  lib: PolicyLibrary;
  records: Records;
  order: OrderInfo;
  /** Every in-scope order in the request and the record's open orders. */
  orders: OrderInfo[];
  asOf: string;
  /** Other facts (a kind may depend on them: ultrasound guidance on a contrast allergy). */
  read: (id: string) => Fact;
}

const fact = (value: Fact['value'], summary: string, evidence: Evidence[] = [], extra: Partial<Fact> = {}): Fact => ({ value, summary, evidence, ...extra });
const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
/** "M46.1 Sacroiliitis, left (2025-02-10)": the code, the clinician's words (else the display), the date. */
const label = (c: { code?: { coding?: { code?: string; display?: string }[]; text?: string }; text: string; date?: string }) => {
  const coding = c.code?.coding?.find((x) => x.code);
  const words = c.code?.text ?? coding?.display ?? c.text;
  return `${coding?.code ?? ''} ${words}`.trim() + (c.date ? ` (${c.date})` : '');
};

const matchesAny = (lib: PolicyLibrary, ids: readonly string[], c: ConditionRec) => inAny(lib, c, ids);
const conditionsIn = (ctx: FactContext, ids: readonly string[], status: ConditionRec['status']) =>
  ctx.records.conditions.filter((c) => c.status === status && !c.history && (!c.date || c.date <= ctx.asOf) && matchesAny(ctx.lib, ids, c));
const dxEvidence = (c: ConditionRec, note: string, value = c.status) =>
  evidenceOf(c, c.resourceType === 'AllergyIntolerance' ? 'allergyCode' : 'conditionCode', { value, note });
const observationsIn = (ctx: FactContext, ids: readonly string[]) =>
  ctx.records.observations.filter((o) => o.final && o.date !== undefined && o.date <= ctx.asOf && inAny(ctx.lib, o, ids));
/**
 * Latest first, as instants: a time with its zone is the moment it names (01:00Z on the 10th is before
 * 22:30-05:00 on the 9th), a plain date its day's first moment (UTC), an undated entry last.
 */
const momentOf = (x: { date?: string; instant?: number }): number => x.instant ?? (x.date ? toDay(x.date) * 86_400_000 : -Infinity);
const latestFirst = <T extends { date?: string; instant?: number }>(a: T, b: T) => {
  const d = momentOf(b) - momentOf(a);
  return Number.isNaN(d) ? 0 : d;
};
/** The session's entries, with the relief read for each merged into its own entry, then the other entries the relief came from. */
function sessionEvidence(ctx: FactContext, s: Session, note?: string): Evidence[] {
  const familyNote = note ?? ctx.lib.families.find((f) => f.id === s.family)?.label;
  const out = s.entries.map((e) => evidenceOf(e, e.path, { note: familyNote }));
  for (const x of s.relief?.evidence ?? []) {
    const own = out.find((o) => o.reference === x.reference && !o.value);
    if (own) Object.assign(own, { value: x.value, ...(x.quote ? { quote: x.quote } : {}) });
    else out.push(x);
  }
  return out;
}
const familyLabel = (ctx: FactContext, ids: readonly string[]) => list(ids.map((id) => ctx.lib.families.find((f) => f.id === id)?.label ?? id));

const strings = z.array(z.string().min(1)).min(1);

interface KindDef<S extends z.ZodType = z.ZodType> {
  type: 'boolean' | 'number';
  params: S;
  compute(params: z.infer<S>, ctx: FactContext, spec: FactSpec): Fact;
}
/** Ties a kind's handler to its parameter schema, so the handler sees typed parameters. */
const kind = <S extends z.ZodType>(def: KindDef<S>): KindDef<S> => def;
const phase = z.enum(['diagnostic', 'therapeutic']);

// ——— The kinds ———

const diagnosis = kind({
  type: 'boolean',
  params: z
    .object({
      valueSets: strings,
      /** With no matching entry: unknown (the record is silent) or false (the condition is absent by default, e.g. cancer-related pain). */
      absent: z.enum(['unknown', 'false']),
      /** Exam findings whose negative result rules the condition out (a negative straight-leg raise). */
      refutedBy: strings.optional(),
      /** Findings that show the condition without a diagnosis: positive results (HLA-B27) and report words (active sacroiliitis). */
      markers: z
        .object({
          observations: strings.optional(),
          reports: z.string().optional(),
          /** How long a positive result shows the condition (a pregnancy test: 42 weeks); none for a lasting marker (HLA-B27). */
          maxWeeks: z.number().positive().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  compute(p, ctx, spec) {
    const hits = conditionsIn(ctx, p.valueSets, 'active');
    if (hits.length > 0) return fact(true, `${spec.label}: ${hits.map(label).join('; ')}`, hits.map((h) => dxEvidence(h, spec.label)));
    // A positive result counts while it can still hold (maxWeeks) and until a later result of the kinds that
    // rule the condition out says negative: a positive pregnancy test of 2023 is not a pregnancy after a
    // negative one this month.
    // A result older than that says nothing now, either way.
    const maxWeeks = p.markers?.maxWeeks;
    const current = (o: { date?: string }) => maxWeeks === undefined || (o.date !== undefined && weeksBetween(o.date, ctx.asOf) <= maxWeeks);
    const latestExam = p.refutedBy ? observationsIn(ctx, p.refutedBy).filter((o) => o.positive !== undefined && current(o)).sort(latestFirst)[0] : undefined;
    const markers = p.markers?.observations
      ? observationsIn(ctx, p.markers.observations).filter((o) => o.positive === true && current(o) && !(latestExam?.positive === false && latestFirst(latestExam, o) < 0))
      : [];
    const reportHits = p.markers?.reports ? reportMentions(ctx, p.markers.reports).filter((m) => m.context === 'affirmed') : [];
    if (markers.length > 0 || reportHits.length > 0) {
      return fact(
        true,
        `${spec.label}, shown by ${list([...markers.map((m) => `${m.text} positive (${m.date})`), ...reportHits.map((r) => `"${r.quote}" (${r.report.date ?? 'undated'})`)])}`,
        [
          ...markers.map((m) => evidenceOf(m, 'observationInterpretation', { value: 'positive', note: spec.label })),
          ...reportHits.map((r) => evidenceOf(r.report, 'reportConclusion', { quote: r.quote, note: spec.label })),
        ],
      );
    }
    const refuted = conditionsIn(ctx, p.valueSets, 'refuted');
    const suspected = conditionsIn(ctx, p.valueSets, 'unconfirmed');
    // A suspicion raised after the condition was ruled out (a differential diagnosis after a negative
    // straight-leg raise) reopens it: the later entry is the clinician's current reading.
    const rulings = [...refuted, ...(latestExam?.positive === false ? [latestExam] : [])];
    const reopened = suspected.some((s) => rulings.every((r) => latestFirst(s, r) < 0));
    if (rulings.length > 0 && !reopened) {
      return fact(
        false,
        `${spec.label} ruled out: ${list([...refuted.map((r) => `${label(r)} refuted`), ...(latestExam?.positive === false ? [`${latestExam.text} negative (${latestExam.date})`] : [])])}`,
        [
          ...refuted.map((r) => evidenceOf(r, 'conditionVerification', { value: 'refuted', note: spec.label })),
          ...(latestExam?.positive === false ? [evidenceOf(latestExam, 'observationInterpretation', { value: 'negative', note: spec.label })] : []),
        ],
      );
    }
    if (suspected.length > 0) {
      return fact(undefined, `${spec.label} suspected but not confirmed: ${suspected.map(label).join('; ')}`, suspected.map((s) => dxEvidence(s, 'not confirmed')));
    }
    if (latestExam?.positive === true) {
      return fact(undefined, `${spec.label} neither diagnosed nor ruled out; ${latestExam.text} positive (${latestExam.date})`, [evidenceOf(latestExam, 'observationInterpretation', { value: 'positive' })]);
    }
    return p.absent === 'false'
      ? fact(false, `No ${spec.label.toLowerCase()} in the record (${ctx.records.conditions.length + ctx.records.otherConditions} conditions read)`, [], { byAbsence: true })
      : fact(undefined, `No ${spec.label.toLowerCase()} in the record`);
  },
});

interface ReportMention {
  report: Records['reports'][number];
  cls?: string;
  quote: string;
  context: string;
}
function reportMentions(ctx: FactContext, vsId: string): ReportMention[] {
  const vs = ctx.lib.valueSet(vsId);
  return ctx.records.reports
    .filter((r) => !r.date || r.date <= ctx.asOf)
    .flatMap((report) => vs.mentionsIn(report.text).map((m) => ({ report, cls: m.cls, quote: clip(m.mention.sentence), context: m.mention.context })));
}

const competingCauses = kind({
  type: 'boolean',
  params: z
    .object({
      valueSets: strings,
      /** A text-pattern value set of report findings (fracture, root compression, tumour, infection), one class per include. */
      reportFindings: z.string().optional(),
      positiveBlocks: z.object({ families: strings, minRelief: z.number().min(0).max(100) }).strict().optional(),
      /** Procedure families that show the spine was looked at (imaging): with them and no finding, the cause is excluded. */
      lookedWith: strings,
    })
    .strict(),
  compute(p, ctx, spec) {
    const found: string[] = [];
    const evidence: Evidence[] = [];
    for (const c of conditionsIn(ctx, p.valueSets, 'active')) {
      found.push(label(c));
      evidence.push(dxEvidence(c, 'competing pain generator'));
    }
    const suspected: string[] = [];
    const suspectedEvidence: Evidence[] = [];
    for (const c of conditionsIn(ctx, p.valueSets, 'unconfirmed')) {
      suspected.push(`${label(c)} (not confirmed)`);
      suspectedEvidence.push(dxEvidence(c, 'suspected competing pain generator'));
    }
    for (const r of ctx.records.reports.filter((x) => !x.date || x.date <= ctx.asOf)) {
      const coded = r.conclusionCodes.filter((c) => p.valueSets.some((id) => ctx.lib.valueSet(id).has(c)));
      for (const c of coded) {
        found.push(`${c.text ?? c.coding?.[0]?.display ?? c.coding?.[0]?.code} in the report of ${r.date ?? 'undated'}`);
        evidence.push(evidenceOf(r, 'reportConclusionCode', { note: 'competing pain generator (report conclusion code)' }));
      }
    }
    for (const m of p.reportFindings ? reportMentions(ctx, p.reportFindings) : []) {
      const where = `${m.report.date ?? 'undated'} report`;
      if (m.context === 'affirmed') {
        found.push(`${m.cls ?? 'finding'}: "${m.quote}" (${where})`);
        evidence.push(evidenceOf(m.report, 'reportConclusion', { quote: m.quote, value: m.cls, note: 'competing pain generator in the report' }));
      } else if (m.context === 'uncertain') {
        suspected.push(`${m.cls ?? 'finding'} not excluded: "${m.quote}" (${where})`);
        suspectedEvidence.push(evidenceOf(m.report, 'reportConclusion', { quote: m.quote, value: m.cls, note: 'not excluded' }));
      }
    }
    if (p.positiveBlocks) {
      for (const s of sessionsOf(ctx.lib, ctx.records, p.positiveBlocks.families, ctx.asOf)) {
        if (!s.relief || s.relief.pct < p.positiveBlocks.minRelief) continue;
        found.push(`positive ${familyLabel(ctx, [s.family])} on ${describeSession(s)}`);
        evidence.push(...sessionEvidence(ctx, s, 'positive block pointing at another pain generator'));
      }
    }
    if (found.length > 0) return fact(true, `${spec.label}: ${found.join('; ')}`, evidence);
    if (suspected.length > 0) return fact(undefined, `Another cause is not yet excluded: ${suspected.join('; ')}`, suspectedEvidence);
    const looked = sessionsOf(ctx.lib, ctx.records, p.lookedWith, ctx.asOf);
    if (looked.length > 0) {
      return fact(false, `Imaging on ${list(looked.map((s) => s.date))}, with no competing diagnosis, report finding or positive block in the record`, looked.flatMap((s) => sessionEvidence(ctx, s, 'imaging reviewed')));
    }
    return fact(undefined, 'No spine or pelvic imaging in the record to exclude other causes');
  },
});

const onsetDuration = kind({
  type: 'number',
  params: z.object({ valueSets: strings }).strict(),
  compute(p, ctx, spec) {
    let best: { c: ConditionRec; lo: number; hi: number } | undefined;
    let hi = -Infinity;
    for (const c of conditionsIn(ctx, p.valueSets, 'active')) {
      // The latest day the pain can have started bounds its duration from below; the earliest from above.
      // A condition recorded on a day began no later than that day ("onset 2025", recorded 2025-03-05).
      const latestStart = c.onset?.last && c.recorded && c.recorded < c.onset.last ? c.recorded : (c.onset?.last ?? c.recorded);
      const earliestStart = c.onset?.first;
      if (!latestStart || latestStart > ctx.asOf) continue;
      const lo = weeksBetween(latestStart, ctx.asOf);
      const upper = earliestStart ? weeksBetween(earliestStart, ctx.asOf) : Infinity;
      hi = Math.max(hi, upper);
      if (!best || lo > best.lo) best = { c, lo, hi: upper };
    }
    if (!best) return fact(undefined, `No dated ${spec.label.toLowerCase()} (onset or recorded date) in the record`);
    const lo = round1(best.lo);
    const exact = best.c.onset && best.c.onset.first === best.c.onset.last;
    const since = exact ? `since ${best.c.onset!.first}` : best.c.onset ? `since some day in ${best.c.onset.first.slice(0, best.c.onset.first.endsWith('-01-01') && best.c.onset.last.endsWith('-12-31') ? 4 : 7)}` : `recorded on ${best.c.recorded}`;
    return fact(lo, `${spec.label}: ${label({ ...best.c, date: undefined })} ${since}, at least ${lo} weeks`, [evidenceOf(best.c, best.c.onset ? 'conditionOnset' : 'conditionRecorded', { value: best.c.onset?.first ?? best.c.recorded })], {
      ...(exact && hi === best.hi ? {} : { range: [lo, round1(hi)] as [number, number] }),
    });
  },
});

/** The earliest day the complaint (any active condition of these value sets) can have begun: its onset's first day, else its recorded date. */
function complaintStart(ctx: FactContext, valueSets: string[] | undefined): string | undefined {
  let since: string | undefined;
  for (const c of valueSets ? conditionsIn(ctx, valueSets, 'active') : []) {
    const start = c.onset?.first ?? c.recorded;
    if (start && (since === undefined || start < since)) since = start;
  }
  return since;
}

const latestScore = kind({
  type: 'number',
  params: z
    .object({
      valueSets: strings,
      /** Body sites a score may name and still be the index pain; a score for another site is not. */
      sites: z.string().optional(),
      /** Families whose same-day post-procedure scores are the anaesthetic phase, not the patient's current pain. */
      blockFamilies: strings.optional(),
      /** The complaint's conditions: a score from before the complaint's earliest possible start is not its pain. */
      complaint: strings.optional(),
    })
    .strict(),
  compute(p, ctx, spec) {
    const sites = p.sites;
    const since = complaintStart(ctx, p.complaint);
    const blocks = p.blockFamilies ? sessionsOf(ctx.lib, ctx.records, p.blockFamilies, ctx.asOf) : [];
    const all = observationsIn(ctx, p.valueSets).filter((o) => o.value !== undefined && o.value >= 0 && o.value <= 10);
    const afterBlock = (o: ObservationRec) =>
      blocks.some((b) => {
        if (b.date !== o.date) return false;
        const at = b.entries.find((e) => e.instant !== undefined)?.instant;
        if (at !== undefined && o.instant !== undefined) return o.instant > at;
        // No times: the day's first score is the pre-block one; later ones are after it.
        const sameDay = all.filter((x) => x.date === o.date && x.partOf.length === 0);
        return sameDay.length > 1 && sameDay[0] !== o;
      });
    const current = all
      .filter((o) => o.partOf.length === 0 && !(sites && o.sites.length > 0 && !ctx.lib.valueSet(sites).has(o.sites)) && !afterBlock(o) && !(since && o.date && o.date < since))
      .sort(latestFirst);
    const last = current[0];
    if (!last) {
      return all.length > 0
        ? fact(undefined, `No ${spec.label.toLowerCase()} outside a procedure's anaesthetic phase, for the index pain${since ? ` and since it began (${since})` : ''} (${all.length} scores read)`)
        : fact(undefined, `No ${spec.label.toLowerCase()} in the record`);
    }
    return fact(last.value!, `${spec.label}: ${last.value}/10 on ${last.date}`, [evidenceOf(last, 'observationQuantity', { value: `${last.value}/10` })]);
  },
});

const positiveFindings = kind({
  type: 'number',
  params: z.object({ valueSets: strings }).strict(),
  compute(p, ctx, spec) {
    const clsOf = (o: ObservationRec) => classOf(ctx.lib, o, p.valueSets) ?? o.text.toLowerCase();
    const tests = observationsIn(ctx, p.valueSets)
      .map((o) => ({ o, cls: clsOf(o) }))
      .filter((t) => t.o.positive !== undefined);
    // The latest result of each manoeuvre decides it.
    const latest = new Map<string, ObservationRec>();
    for (const t of [...tests].sort((a, b) => latestFirst(b.o, a.o))) latest.set(t.cls, t.o);
    const positive = [...latest.entries()].filter(([, o]) => o.positive).map(([cls]) => cls);
    // A positive result still preliminary, for a manoeuvre with no later final result, may yet count: the
    // number is known only within bounds (a criterion it could tip is unknown, never failed).
    const pending = new Set<string>();
    for (const o of ctx.records.observations) {
      if (o.status !== 'preliminary' || o.positive !== true || o.date === undefined || o.date > ctx.asOf || !inAny(ctx.lib, o, p.valueSets)) continue;
      const cls = clsOf(o);
      const final = latest.get(cls);
      if (!final || (!final.positive && latestFirst(o, final) < 0)) pending.add(cls);
    }
    if (latest.size === 0) return fact(undefined, pending.size ? `No final result of ${spec.label.toLowerCase()}: ${pending.size} positive but preliminary (${[...pending].join(', ')})` : `No ${spec.label.toLowerCase()} recorded`);
    const prelim = pending.size ? `; ${pending.size} more positive but preliminary (${[...pending].join(', ')})` : '';
    return fact(
      positive.length,
      `${positive.length} positive of ${latest.size} ${spec.label.toLowerCase()}${positive.length ? ` (${positive.join(', ')})` : ''}${prelim}`,
      [...latest.entries()].map(([cls, o]) => evidenceOf(o, 'observationInterpretation', { value: o.positive ? 'positive' : 'negative', note: cls })),
      pending.size ? { range: [positive.length, positive.length + pending.size] as [number, number] } : {},
    );
  },
});

const careSpan = kind({
  type: 'number',
  params: z
    .object({
      therapies: strings,
      medications: strings.optional(),
      /** Medication in addition to a non-drug therapy: either alone is not enough (the LCD's definition of conservative care). */
      requireBoth: z.boolean().optional(),
    })
    .strict(),
  compute(p, ctx, spec) {
    const therapy = sessionsOf(ctx.lib, ctx.records, p.therapies, ctx.asOf);
    const meds = p.medications
      ? ctx.records.medications.filter((m) => m.start && m.start <= ctx.asOf && inAny(ctx.lib, m, p.medications!))
      : [];
    const items = [
      ...therapy.map((s) => ({ start: s.date, end: s.entries.map((e) => e.end).filter(Boolean).sort().at(-1) ?? s.date, evidence: sessionEvidence(ctx, s) })),
      ...meds.map((m) => ({
        start: m.start!,
        end: m.end ?? (m.active ? ctx.asOf : m.start!),
        evidence: [evidenceOf(m, m.path, { note: `${m.text} ${m.start}${m.end ? ` to ${m.end}` : m.active ? ' (active)' : ''}` })],
      })),
    ];
    if (p.requireBoth && (therapy.length === 0 || meds.length === 0)) {
      const has = therapy.length ? `${familyLabel(ctx, [...new Set(therapy.map((s) => s.family))])} only` : meds.length ? 'medication only' : 'none';
      return fact(undefined, `${spec.label} needs medication in addition to a non-drug therapy (${familyLabel(ctx, p.therapies)}); the record has ${has}`, items.flatMap((i) => i.evidence));
    }
    if (items.length === 0) return fact(undefined, `No dated ${spec.label.toLowerCase()} in the record`);
    const start = items.map((i) => i.start).sort()[0]!;
    const end = items.map((i) => (i.end > ctx.asOf ? ctx.asOf : i.end)).sort().at(-1)!;
    const weeks = round1(weeksBetween(start, end));
    return fact(weeks, `${weeks} weeks of ${spec.label.toLowerCase()}, ${start} to ${end} (${therapy.length} therapy sessions, ${meds.length} medication entries)`, items.flatMap((i) => i.evidence));
  },
});

const sessionFilter = z.object({ families: strings, phase: phase.optional(), windowMonths: z.number().int().positive().optional() }).strict();
function selectSessions(p: z.infer<typeof sessionFilter>, ctx: FactContext): { sessions: Session[]; since?: string } {
  const since = p.windowMonths ? addMonths(ctx.asOf, -p.windowMonths) : undefined;
  const sessions = sessionsOf(ctx.lib, ctx.records, p.families, ctx.asOf).filter((s) => (!p.phase || s.phase === p.phase) && (!since || s.date > since));
  return { sessions, since };
}
const what = (ctx: FactContext, p: { families: string[]; phase?: string }) => `${p.phase ? `${p.phase} ` : ''}${familyLabel(ctx, p.families)}`;

const sessionCount = kind({
  type: 'number',
  params: sessionFilter.extend({ absent: z.enum(['zero', 'unknown']).optional() }).strict(),
  compute(p, ctx) {
    const { sessions, since } = selectSessions(p, ctx);
    const within = since ? ` since ${since}` : '';
    if (sessions.length === 0) {
      return p.absent === 'unknown'
        ? fact(undefined, `No ${what(ctx, p)} in the record${within}`)
        : fact(0, `No ${what(ctx, p)} session in the record${within}`, [], { byAbsence: true });
    }
    return fact(sessions.length, `${sessions.length} ${what(ctx, p)} session(s)${within}: ${sessions.map(describeSession).join('; ')}`, sessions.flatMap((s) => sessionEvidence(ctx, s)));
  },
});

const sessionRelief = kind({
  type: 'number',
  params: sessionFilter.extend({ pick: z.enum(['latest', 'lowest-of-last', 'best']), n: z.number().int().positive().optional() }).strict(),
  compute(p, ctx) {
    const { sessions } = selectSessions(p, ctx);
    if (sessions.length === 0) return fact(undefined, `No prior ${what(ctx, p)} in the record`);
    const chosen = p.pick === 'latest' ? sessions.slice(-1) : p.pick === 'lowest-of-last' ? sessions.slice(-(p.n ?? 2)) : sessions;
    const evidence = chosen.flatMap((s) => sessionEvidence(ctx, s));
    const missing = chosen.filter((s) => !s.relief);
    if (p.pick === 'best') {
      const withRelief = chosen.filter((s) => s.relief);
      if (withRelief.length === 0) return fact(undefined, `Relief not recorded for the ${what(ctx, p)} on ${list(chosen.map((s) => s.date))}`, evidence);
      const top = withRelief.reduce((a, b) => (b.relief!.pct > a.relief!.pct ? b : a));
      return fact(top.relief!.pct, `Best relief after a ${what(ctx, p)}: ${describeSession(top)}`, evidence, top.relief!.range ? { range: top.relief!.range } : {});
    }
    if (missing.length > 0) return fact(undefined, `Relief not recorded for the ${what(ctx, p)} on ${list(missing.map((s) => s.date))}`, evidence);
    const low = chosen.reduce((a, b) => (b.relief!.pct < a.relief!.pct ? b : a));
    const range = low.relief!.range;
    const summary = chosen.length === 1 ? `${describeSession(low)} (${what(ctx, p)})` : `Lowest relief of the last ${chosen.length} ${what(ctx, p)} sessions: ${chosen.map(describeSession).join('; ')}`;
    return fact(low.relief!.pct, summary, evidence, range ? { range } : {});
  },
});

const weeksSinceSession = kind({
  type: 'number',
  params: sessionFilter,
  compute(p, ctx) {
    const last = selectSessions(p, ctx).sessions.at(-1);
    if (!last) return fact(undefined, `No prior ${what(ctx, p)}`);
    const w = round1(weeksBetween(last.date, ctx.asOf));
    return fact(w, `${w} weeks since the ${what(ctx, p)} on ${last.date}`, sessionEvidence(ctx, last));
  },
});

const reliefDuration = kind({
  type: 'number',
  params: sessionFilter,
  compute(p, ctx) {
    const last = selectSessions(p, ctx).sessions.at(-1);
    if (!last) return fact(undefined, `No prior ${what(ctx, p)}`);
    const weeks = last.entries.map((e) => e.relief?.weeks ?? e.reliefWeeks).filter((w): w is number => w !== undefined).sort((a, b) => a - b)[0];
    return weeks === undefined
      ? fact(undefined, `How long the relief after the ${what(ctx, p)} on ${last.date} lasted is not recorded`, sessionEvidence(ctx, last))
      : fact(round1(weeks), `Relief after the ${what(ctx, p)} on ${last.date} lasted at least ${round1(weeks)} weeks`, sessionEvidence(ctx, last));
  },
});

const distinctClasses = kind({
  type: 'number',
  params: z.object({ medications: strings }).strict(),
  compute(p, ctx, spec) {
    const meds = ctx.records.medications
      .filter((m) => m.start && m.start <= ctx.asOf)
      .map((m) => ({ m, cls: classOf(ctx.lib, m, p.medications) }))
      .filter((x): x is { m: (typeof x)['m']; cls: string } => !!x.cls);
    if (meds.length === 0) return fact(undefined, `No ${spec.label.toLowerCase()} in the record`);
    const classes = [...new Set(meds.map((x) => x.cls))];
    return fact(classes.length, `${classes.length} class(es) tried: ${classes.join(', ')}`, meds.map((x) => evidenceOf(x.m, x.m.path, { value: x.cls })));
  },
});

const orderPhase = kind({
  type: 'boolean',
  params: z.object({ phase, series: strings }).strict(),
  compute(p, ctx) {
    const { order } = ctx;
    const orderEvidence: Evidence = { reference: order.ref.reference, resourceType: order.ref.resourceType, date: order.ref.authoredOn, code: order.ref.code, path: 'code.text | note.text | orderDetail.text' };
    const said = affirmed(order.words, /\b(?:diagnostic|confirmatory|comparative)\b/i) ? 'diagnostic' : affirmed(order.words, /\btherapeutic\b/i) ? 'therapeutic' : undefined;
    let actual = said;
    let how = 'the order says so';
    if (!actual) {
      const family = ctx.lib.families.find((f) => f.id === order.trigger.family);
      const sessions = sessionsOf(ctx.lib, ctx.records, p.series, ctx.asOf);
      const positive = sessions.find((s) => s.phase === 'diagnostic' && s.relief && s.relief.pct >= (family?.positiveAt ?? 75));
      actual = family?.phase === 'sequence' ? (positive ? 'therapeutic' : 'diagnostic') : family?.phase === 'therapeutic' ? 'therapeutic' : 'diagnostic';
      how =
        family?.phase === 'sequence'
          ? positive
            ? `a diagnostic session was positive (${describeSession(positive)})`
            : 'no diagnostic session has been positive yet'
          : `a ${family?.label ?? 'procedure'} is ${actual}`;
    }
    return fact(actual === p.phase, `The order is a ${actual} session: ${how}`, said ? [{ ...orderEvidence, quote: clip(order.words) }] : [orderEvidence]);
  },
});

const orderModality = kind({
  type: 'boolean',
  params: z
    .object({
      /** Modalities the policy accepts outright (fluoroscopy, CT). */
      accepted: z.string(),
      /** A modality accepted only when one of these facts is true (ultrasound with a contrast allergy or pregnancy). */
      conditional: z.object({ valueSet: z.string(), allowedWhen: strings }).strict().optional(),
      /** Words that say the procedure will be done without imaging. */
      refused: z.string().optional(),
    })
    .strict(),
  compute(p, ctx, spec) {
    const { order } = ctx;
    const ev: Evidence = { reference: order.ref.reference, resourceType: order.ref.resourceType, date: order.ref.authoredOn, code: order.ref.code, path: 'orderDetail | code.text | note.text' };
    const named = (id: string) => ctx.lib.valueSet(id).match(order.details, { text: order.words }) ?? (order.words ? ctx.lib.valueSet(id).match({ text: order.words }) : undefined);
    const accepted = named(p.accepted);
    const conditional = p.conditional ? named(p.conditional.valueSet) : undefined;
    const refused = p.refused && !accepted && !conditional ? named(p.refused) : undefined;
    if (refused) return fact(false, `The order says the procedure will be done without image guidance: "${clip(refused.quote ?? order.words, 100)}"`, [{ ...ev, quote: clip(refused.quote ?? order.words) }]);
    const quote = (m: { quote?: string; coding?: { display?: string; code?: string } }) => m.quote ?? m.coding?.display ?? m.coding?.code ?? '';
    if (accepted && !conditional) return fact(true, `The order names ${accepted.cls ?? 'accepted'} guidance: "${clip(quote(accepted), 100)}"`, [{ ...ev, quote: clip(quote(accepted)) }]);
    if (conditional) {
      const allowing = p.conditional!.allowedWhen.map((id) => ({ id, f: ctx.read(id) }));
      const yes = allowing.find((a) => a.f.value === true);
      if (yes) return fact(true, `The order names ${conditional.cls ?? 'ultrasound'} guidance, acceptable here: ${yes.f.summary}`, [{ ...ev, quote: clip(quote(conditional)) }, ...yes.f.evidence]);
      return fact(undefined, `The order names ${conditional.cls ?? 'ultrasound'} guidance, acceptable only with ${list(allowing.map((a) => ctx.lib.facts.get(a.id)?.label.toLowerCase() ?? a.id))}, which the record does not document`, [{ ...ev, quote: clip(quote(conditional)) }]);
    }
    return fact(undefined, `The order does not say which ${spec.label.toLowerCase()} will be used`, [ev]);
  },
});

const orderDiagnosis = kind({
  type: 'boolean',
  params: z.object({ match: strings, mismatch: strings }).strict(),
  compute(p, ctx) {
    const { order, lib } = ctx;
    const stated = [
      ...order.reasonConditions.map((c) => ({ concept: c.code, sites: c.sites, label: c.text, ev: dxEvidence(c, "the order's diagnosis") })),
      ...order.reasonCodes.map((rc) => ({
        concept: rc,
        sites: [],
        label: rc.coding?.map((c) => `${c.code} ${c.display ?? ''}`.trim()).join(', ') || rc.text || 'coded reason',
        ev: { reference: order.ref.reference, resourceType: order.ref.resourceType, date: order.ref.authoredOn, code: rc.coding?.[0], path: 'reasonCode', note: "the order's diagnosis" } as Evidence,
      })),
    ];
    const basis = stated.length > 0 ? stated : ctx.records.conditions.filter((c) => c.status === 'active' && !c.history).map((c) => ({ concept: c.code, sites: c.sites, label: c.text, ev: dxEvidence(c, 'diagnosis on record') }));
    const inSets = (ids: string[], b: (typeof basis)[number]) => ids.some((id) => lib.valueSet(id).has(b.concept, { sites: b.sites }));
    const matching = basis.filter((b) => inSets(p.match, b));
    const other = basis.filter((b) => inSets(p.mismatch, b));
    const whose = stated.length > 0 ? 'The order states' : 'The record holds';
    if (matching.length > 0) return fact(false, `${whose} a diagnosis that matches the procedure: ${matching.map((m) => m.label).join('; ')}`, matching.map((m) => m.ev));
    if (other.length > 0) return fact(true, `${whose} only ${other.map((o) => o.label).join('; ')} for ${order.ref.code.code}`, other.map((o) => o.ev));
    return fact(false, `${whose} no diagnosis the mismatch check reads`, [], { byAbsence: true });
  },
});

// ——— Bespoke facts: what no kind expresses, each named in the README with the reason ———

const BESPOKE = {
  /** Reads the set of orders signed together, not the record. */
  'single-invasive-modality': (ctx: FactContext): Fact => {
    const invasive = ctx.orders.filter((o) => o.trigger.invasive);
    const distinct = [...new Set(invasive.map((o) => o.ref.code.code))];
    return distinct.length <= 1
      ? fact(true, `One invasive modality ordered (${distinct.join('') || ctx.order.ref.code.code})`, invasive.map((o) => ({ reference: o.ref.reference, resourceType: o.ref.resourceType, date: o.ref.authoredOn, code: o.ref.code, path: 'code' })))
      : fact(false, `${distinct.length} invasive modalities ordered together: ${distinct.join(', ')}`, invasive.map((o) => ({ reference: o.ref.reference, resourceType: o.ref.resourceType, date: o.ref.authoredOn, code: o.ref.code, path: 'code' })));
  },
  /** An unlisted code says nothing by itself: its meaning is the reading chosen from the order's words (orders.ts). */
  'order-described': (ctx: FactContext): Fact =>
    fact(undefined, `${ctx.order.ref.code.code} is an unlisted code and the order does not say which procedure it is${ctx.order.ref.text ? ` ("${clip(ctx.order.ref.text, 80)}")` : ''}`),
} as const;
export type BespokeFact = keyof typeof BESPOKE;

const bespoke = kind({
  type: 'boolean',
  params: z.object({ name: z.enum(Object.keys(BESPOKE) as [BespokeFact, ...BespokeFact[]]) }).strict(),
  compute: (p, ctx) => BESPOKE[p.name as BespokeFact](ctx),
});

// ——— The table ———

/** The closed set of kinds a fact in the catalogue may name. */
export const FACT_KIND_NAMES = [
  'diagnosis',
  'competing-causes',
  'onset-duration',
  'latest-score',
  'positive-findings',
  'care-span',
  'session-count',
  'session-relief',
  'weeks-since-session',
  'relief-duration',
  'distinct-classes',
  'order-phase',
  'order-modality',
  'order-diagnosis',
  'bespoke',
] as const;
export type FactKind = (typeof FACT_KIND_NAMES)[number];

/** Dispatch table: a name in FACT_KIND_NAMES without a handler here (or a handler without a name) fails to compile. */
export const FACT_KINDS: { readonly [K in FactKind]: KindDef<any> } = {
  diagnosis,
  'competing-causes': competingCauses,
  'onset-duration': onsetDuration,
  'latest-score': latestScore,
  'positive-findings': positiveFindings,
  'care-span': careSpan,
  'session-count': sessionCount,
  'session-relief': sessionRelief,
  'weeks-since-session': weeksSinceSession,
  'relief-duration': reliefDuration,
  'distinct-classes': distinctClasses,
  'order-phase': orderPhase,
  'order-modality': orderModality,
  'order-diagnosis': orderDiagnosis,
  bespoke,
};

export const isFactKind = (k: string): k is FactKind => Object.prototype.hasOwnProperty.call(FACT_KINDS, k);

export function computeFact(spec: FactSpec, ctx: FactContext): Fact {
  return FACT_KINDS[spec.kind as FactKind].compute(spec.params, ctx, spec);
}
