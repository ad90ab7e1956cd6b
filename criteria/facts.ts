// Stage 2: records → named facts. Policies refer to these names (criterion.fact); each fact returns a
// value plus the dated entries behind it, or `undefined` when the record does not establish it.
// A few facts are defined by absence ("no prior SIJ block in the record"): their summary says so.
import { addDays, round1, weeksBetween } from './dates';
import type { Evidence, Fact, FactValue } from './model';
import type { OrderInfo } from './orders';
import { evidenceOf, CONSERVATIVE_KINDS, type ConditionRec, type DxCategory, type ProcKind, type ProcedureRec, type Records } from './records';
import type { PolicyLibrary } from './library';
import { durationWeeksFromText } from './relief';

export interface FactContext {
  lib: PolicyLibrary;
  records: Records;
  order: OrderInfo;
  /** Every in-scope order in the same request (one invasive modality at a time, J1100 pairing). */
  orders: OrderInfo[];
  asOf: string;
}

type FactFn = (ctx: FactContext) => Fact;
const fact = <T extends FactValue>(value: T | undefined, summary: string, evidence: Evidence[] = []): Fact => ({
  value,
  summary,
  evidence,
});

const byDate = <T extends { date?: string }>(a: T, b: T) => (a.date ?? '').localeCompare(b.date ?? '');
const onOrBefore = (ctx: FactContext) => (r: { date?: string }) => r.date !== undefined && r.date <= ctx.asOf;

const activeDx = (ctx: FactContext, cat: DxCategory): ConditionRec[] =>
  ctx.records.conditions.filter((c) => c.active && c.categories.has(cat));

const dxEvidence = (c: ConditionRec, note: string) => evidenceOf(c, 'conditionCode', { value: 'active', note });

const diagnosisFact = (cat: DxCategory, label: string, absentIsFalse: boolean): FactFn => (ctx) => {
  const hits = activeDx(ctx, cat);
  if (hits.length > 0) {
    return fact(true, `${label}: ${hits.map((h) => `${h.code?.coding?.[0]?.code ?? h.text} (${h.date ?? 'undated'})`).join(', ')}`,
      hits.map((h) => dxEvidence(h, label)));
  }
  // A diagnosis the record rules out is an answer (not met), not a gap to fill.
  const refuted = ctx.records.conditions.filter((c) => c.refuted && c.categories.has(cat));
  if (refuted.length > 0) {
    return fact(false, `${label} refuted: ${refuted.map((r) => `${r.text} (${r.date ?? 'undated'})`).join('; ')}`,
      refuted.map((r) => evidenceOf(r, 'conditionVerification', { value: 'refuted', note: label })));
  }
  return absentIsFalse
    ? fact(false, `No active ${label.toLowerCase()} among ${ctx.records.conditions.length + ctx.records.otherConditions} conditions in the record`)
    : fact(undefined, `No active ${label.toLowerCase()} in the record`);
};

/** Completed procedures of a kind, on or before the evaluation date, oldest first. */
const done = (ctx: FactContext, ...kinds: ProcKind[]): ProcedureRec[] =>
  ctx.records.procedures.filter((p) => p.completed && p.kind && kinds.includes(p.kind)).filter(onOrBefore(ctx)).sort(byDate);

/** The procedure, then the entries its relief was read from (unless that is the procedure's own text). */
const procEvidence = (p: ProcedureRec, note?: string): Evidence[] => {
  const own = (p.relief?.evidence ?? []).find((e) => e.reference === p.ref);
  return [
    own ?? evidenceOf(p, p.resourceType === 'Procedure' ? 'procedureCode' : p.resourceType === 'Encounter' ? 'encounterType' : 'reportCode', {
      value: p.relief ? `${p.relief.pct}% relief` : undefined,
      note,
    }),
    ...(p.relief?.evidence ?? []).filter((e) => e !== own),
  ];
};

const spanFact = (ctx: FactContext, items: { date?: string; end?: string; ref: string; evidence: Evidence }[], label: string): Fact => {
  const dated = items.filter((i) => i.date && i.date <= ctx.asOf);
  if (dated.length === 0) return fact(undefined, `No dated ${label} in the record`);
  const start = dated.map((i) => i.date!).sort()[0]!;
  const end = dated.map((i) => (i.end && i.end < ctx.asOf ? i.end : i.end ? ctx.asOf : i.date!)).sort().at(-1)!;
  const weeks = round1(weeksBetween(start, end));
  return fact(weeks, `${weeks} weeks of ${label}, ${start} to ${end} (${dated.length} entries)`, dated.map((i) => i.evidence));
};

const conservativeItems = (ctx: FactContext, kinds: ProcKind[], withMeds: boolean) => [
  ...done(ctx, ...kinds).map((p) => ({ date: p.date, ref: p.ref, evidence: evidenceOf(p, 'procedureCode', { note: p.kind }) })),
  ...(withMeds
    ? ctx.records.medications.map((m) => ({
        date: m.date,
        end: m.end ?? (m.active ? ctx.asOf : undefined),
        ref: m.ref,
        evidence: evidenceOf(m, m.resourceType === 'MedicationRequest' ? 'medicationRequestCode' : 'medicationStatementCode', {
          value: m.cls,
          note: `${m.cls} ${m.date ?? ''}${m.end ? ` to ${m.end}` : m.active ? ' (active)' : ''}`,
        }),
      }))
    : []),
];

const reliefOfLatest = (kinds: ProcKind[], label: string): FactFn => (ctx) => {
  const last = done(ctx, ...kinds).at(-1);
  if (!last) return fact(undefined, `No prior ${label} in the record`);
  if (!last.relief) return fact(undefined, `${label} on ${last.date} has no recorded relief`, procEvidence(last));
  return fact(last.relief.pct, `${last.relief.pct}% relief after the ${label} on ${last.date} (${last.relief.how})`, procEvidence(last));
};

const countSince = (kinds: ProcKind[], label: string, days: number): FactFn => (ctx) => {
  const from = addDays(ctx.asOf, -days);
  const hits = done(ctx, ...kinds).filter((p) => p.date! > from);
  return fact(hits.length, `${hits.length} ${label} since ${from}`, hits.flatMap((p) => procEvidence(p)));
};

const INVASIVE_ORDER_KEYS = new Set(['27096', 'G0260', '64451', '64625', '64772', '64999:neurectomy', '64999:coccygeal']);

export const FACTS = {
  'sij-diagnosis': diagnosisFact('sij', 'Sacroiliac joint pain diagnosis', false),
  'coccydynia-diagnosis': diagnosisFact('coccydynia', 'Coccydynia diagnosis', false),
  'inflammatory-spondyloarthritis': diagnosisFact('inflammatory', 'Inflammatory spondyloarthritis', true),
  cancer: diagnosisFact('cancer', 'Cancer', true),

  radiculopathy: (ctx) => {
    const hits = activeDx(ctx, 'radiculopathy');
    if (hits.length > 0) return fact(true, `Active radiculopathy: ${hits.map((h) => h.text).join('; ')}`, hits.map((h) => dxEvidence(h, 'radiculopathy')));
    const negatives = [
      ...ctx.records.straightLegRaise.filter((e) => e.negative === true),
      ...ctx.records.conditions.filter((c) => c.refuted && c.categories.has('radiculopathy')),
    ];
    if (negatives.length > 0) {
      return fact(false, `No radiculopathy: ${negatives.map((n) => `${n.text} ${n.resourceType === 'Condition' ? 'refuted' : 'negative'} (${n.date ?? 'undated'})`).join('; ')}`,
        negatives.map((n) => evidenceOf(n, n.resourceType === 'Condition' ? 'conditionVerification' : 'observationInterpretation', { value: 'negative' })));
    }
    return fact(undefined, 'Radiculopathy neither diagnosed nor excluded (no negative straight-leg raise or refuted diagnosis)');
  },

  'other-obvious-cause': (ctx) => {
    const hits = [...activeDx(ctx, 'other-generator'), ...activeDx(ctx, 'stenosis-claudication'), ...activeDx(ctx, 'cancer')];
    if (hits.length > 0) return fact(true, `Other pain generators on record: ${hits.map((h) => h.text).join('; ')}`, hits.map((h) => dxEvidence(h, 'other cause')));
    const imaging = done(ctx, 'spine-imaging', 'coccyx-dynamic-imaging');
    if (imaging.length > 0) {
      return fact(false, `Imaging on record (${imaging.map((i) => i.date).join(', ')}) and no competing diagnosis among active conditions`,
        imaging.map((i) => evidenceOf(i, i.resourceType === 'DiagnosticReport' ? 'reportText' : 'procedureCode', { note: 'imaging reviewed' })));
    }
    return fact(undefined, 'No spine or pelvic imaging in the record to exclude other causes');
  },

  'pain-duration-weeks': (ctx) => {
    const cats: DxCategory[] = ['sij', 'coccydynia', 'sacrococcygeal-unspecified', 'low-back-pain', 'lumbar-spondylosis', 'inflammatory'];
    const pain = ctx.records.conditions.filter((c) => c.active && c.date && [...c.categories].some((k) => cats.includes(k))).sort(byDate);
    const first = pain[0];
    if (!first) return fact(undefined, 'No dated pain diagnosis (onset or recorded date) in the record');
    const weeks = round1(weeksBetween(first.date!, ctx.asOf));
    return fact(weeks, `Pain since ${first.date} (${first.text}): ${weeks} weeks`, [evidenceOf(first, 'conditionOnset', { value: first.date })]);
  },

  'pain-nrs-latest': (ctx) => {
    const last = ctx.records.painScores.filter(onOrBefore(ctx)).filter((s) => s.partOf.length === 0).sort(byDate).at(-1)
      ?? ctx.records.painScores.filter(onOrBefore(ctx)).sort(byDate).at(-1);
    if (!last) return fact(undefined, 'No 0–10 pain score in the record');
    return fact(last.value, `Pain ${last.value}/10 on ${last.date}`, [evidenceOf(last, 'observationQuantity', { value: `${last.value}/10` })]);
  },

  'positive-provocative-tests': (ctx) => {
    const tests = ctx.records.manoeuvres.filter(onOrBefore(ctx));
    if (tests.length === 0) return fact(undefined, 'No provocative manoeuvres recorded');
    const positive = new Map<string, (typeof tests)[number]>();
    for (const t of tests) if (t.positive) positive.set(t.manoeuvre, t);
    const names = [...positive.keys()];
    return fact(positive.size, `${positive.size} positive of ${new Set(tests.map((t) => t.manoeuvre)).size} manoeuvres${names.length ? ` (${names.join(', ')})` : ''}`,
      tests.map((t) => evidenceOf(t, 'observationInterpretation', { value: t.positive === undefined ? 'result not recorded' : t.positive ? 'positive' : 'negative', note: t.manoeuvre })));
  },

  'sij-provocation-negative': (ctx) => {
    const tests = ctx.records.manoeuvres.filter(onOrBefore(ctx)).filter((t) => t.positive !== undefined);
    if (tests.length === 0) return fact(undefined, 'The sacroiliac joint has not been examined (no provocative manoeuvres recorded)');
    const pos = new Set(tests.filter((t) => t.positive).map((t) => t.manoeuvre)).size;
    return fact(pos < 3, `${pos} positive SIJ provocative manoeuvres of ${tests.length} recorded`,
      tests.map((t) => evidenceOf(t, 'observationInterpretation', { value: t.positive ? 'positive' : 'negative', note: t.manoeuvre })));
  },

  'conservative-care-weeks': (ctx) => spanFact(ctx, conservativeItems(ctx, CONSERVATIVE_KINDS, true), 'conservative care (therapy, manipulation, CBT, analgesics)'),
  'pt-weeks': (ctx) => spanFact(ctx, conservativeItems(ctx, ['pt'], false), 'physical therapy'),
  'pt-sessions': (ctx) => {
    const sessions = done(ctx, 'pt');
    const dates = new Set(sessions.map((s) => s.date));
    return sessions.length === 0
      ? fact(undefined, 'No physical therapy sessions in the record')
      : fact(dates.size, `${dates.size} physical therapy sessions`, sessions.map((s) => evidenceOf(s, 'procedureCode')));
  },
  'analgesic-classes': (ctx) => {
    const meds = ctx.records.medications.filter(onOrBefore(ctx));
    if (meds.length === 0) return fact(undefined, 'No analgesic medication in the record');
    const classes = [...new Set(meds.map((m) => m.cls))];
    return fact(classes.length, `${classes.length} analgesic class(es) tried: ${classes.join(', ')}`,
      meds.map((m) => evidenceOf(m, m.resourceType === 'MedicationRequest' ? 'medicationRequestCode' : 'medicationStatementCode', { value: m.cls })));
  },

  'image-guidance': (ctx) => {
    const { code, text } = ctx.order.ref;
    // CPT 27096, 64451 and 64625 are defined "with image guidance"; G0260 and 64999 are not.
    if (['27096', '64451', '64625'].includes(code.code)) return fact(true, `CPT ${code.code} is defined as performed with image guidance`);
    if (text && /fluoro|\bCT\b|computed tomograph/i.test(text)) return fact(true, `The order names image guidance: "${text.slice(0, 80)}"`);
    if (text && /ultrasound/i.test(text)) return fact(false, 'The order names ultrasound guidance (acceptable only with contrast allergy or pregnancy)');
    return fact(undefined, 'The order does not say which image guidance will be used');
  },

  'no-prior-sij-block': (ctx) => {
    const prior = done(ctx, 'ia-injection', 'lbb');
    return prior.length === 0
      ? fact(true, 'No prior SIJ injection or lateral branch block in the record (first diagnostic session)')
      : fact(false, `${prior.length} prior SIJ injection(s)/block(s), latest ${prior.at(-1)!.date}`, prior.flatMap((p) => procEvidence(p)));
  },
  'latest-sij-block-relief': reliefOfLatest(['ia-injection', 'lbb'], 'SIJ injection or block'),
  'ia-injection-relief': reliefOfLatest(['ia-injection'], 'intra-articular SIJ injection'),
  'sij-sessions-12mo': countSince(['ia-injection', 'lbb', 'rfa'], 'SIJ injection/block/RFA sessions', 365),
  'lbb-sessions': (ctx) => {
    const s = done(ctx, 'lbb');
    return fact(s.length, `${s.length} lateral branch block session(s)${s.length ? `: ${s.map((p) => `${p.date}${p.relief ? ` ${p.relief.pct}%` : ''}`).join(', ')}` : ''}`, s.flatMap((p) => procEvidence(p)));
  },
  'lbb-min-relief': (ctx) => {
    const last2 = done(ctx, 'lbb').slice(-2);
    if (last2.length === 0) return fact(undefined, 'No lateral branch block in the record');
    const missing = last2.filter((p) => !p.relief);
    if (missing.length > 0) return fact(undefined, `Relief not recorded for the block(s) on ${missing.map((m) => m.date).join(', ')}`, last2.flatMap((p) => procEvidence(p)));
    const min = Math.min(...last2.map((p) => p.relief!.pct));
    return fact(min, `Lowest relief of the last ${last2.length} block(s): ${min}%`, last2.flatMap((p) => procEvidence(p)));
  },

  'no-prior-rfa': (ctx) => {
    const rfa = done(ctx, 'rfa');
    return rfa.length === 0
      ? fact(true, 'No prior radiofrequency ablation in the record')
      : fact(false, `${rfa.length} prior RFA session(s), latest ${rfa.at(-1)!.date}`, rfa.flatMap((p) => procEvidence(p)));
  },
  'weeks-since-last-rfa': (ctx) => {
    const last = done(ctx, 'rfa').at(-1);
    if (!last) return fact(undefined, 'No prior RFA');
    const w = round1(weeksBetween(last.date!, ctx.asOf));
    return fact(w, `${w} weeks since the RFA on ${last.date}`, procEvidence(last));
  },
  'rfa-sessions-12mo': countSince(['rfa'], 'RFA sessions', 365),
  'last-rfa-relief': reliefOfLatest(['rfa'], 'RFA'),
  'last-rfa-relief-weeks': (ctx) => {
    const last = done(ctx, 'rfa').at(-1);
    if (!last) return fact(undefined, 'No prior RFA');
    const w = last.relief?.weeks ?? durationWeeksFromText(last.text);
    return w === undefined
      ? fact(undefined, `How long the relief after the RFA on ${last.date} lasted is not recorded`, procEvidence(last))
      : fact(round1(w), `Relief after the RFA on ${last.date} lasted ${round1(w)} weeks`, procEvidence(last));
  },

  'single-invasive-modality': (ctx) => {
    const invasive = ctx.orders.filter((o) => INVASIVE_ORDER_KEYS.has(o.ref.ruleKey));
    const distinct = new Set(invasive.map((o) => o.ref.code.code));
    return fact(distinct.size <= 1, distinct.size <= 1 ? 'One invasive SIJ modality ordered' : `${distinct.size} invasive modalities ordered together: ${[...distinct].join(', ')}`);
  },

  'coccyx-dynamic-imaging': (ctx) => {
    const hits = done(ctx, 'coccyx-dynamic-imaging');
    return hits.length > 0
      ? fact(true, `Dynamic sitting and standing coccyx radiographs on ${hits.at(-1)!.date}`, hits.map((h) => evidenceOf(h, h.resourceType === 'DiagnosticReport' ? 'reportText' : 'procedureCode')))
      : fact(undefined, 'No dynamic (sitting and standing) lateral coccyx radiographs in the record');
  },
  'coccygeal-injection-relief': reliefOfLatest(['coccygeal-dx-injection'], 'diagnostic coccygeal injection'),

  'order-described': (ctx) =>
    fact(undefined, `64999 is an unlisted code and the order does not say which procedure it is${ctx.order.ref.text ? ` ("${ctx.order.ref.text.slice(0, 80)}")` : ''}`),
} satisfies Record<string, FactFn>;

export type FactId = keyof typeof FACTS;

/** The type each fact yields, checked against criterion operators when a policy loads. */
export const FACT_TYPES: Record<FactId, 'boolean' | 'number'> = {
  'sij-diagnosis': 'boolean',
  'coccydynia-diagnosis': 'boolean',
  'inflammatory-spondyloarthritis': 'boolean',
  cancer: 'boolean',
  radiculopathy: 'boolean',
  'other-obvious-cause': 'boolean',
  'pain-duration-weeks': 'number',
  'pain-nrs-latest': 'number',
  'positive-provocative-tests': 'number',
  'sij-provocation-negative': 'boolean',
  'conservative-care-weeks': 'number',
  'pt-weeks': 'number',
  'pt-sessions': 'number',
  'analgesic-classes': 'number',
  'image-guidance': 'boolean',
  'no-prior-sij-block': 'boolean',
  'latest-sij-block-relief': 'number',
  'ia-injection-relief': 'number',
  'sij-sessions-12mo': 'number',
  'lbb-sessions': 'number',
  'lbb-min-relief': 'number',
  'no-prior-rfa': 'boolean',
  'weeks-since-last-rfa': 'number',
  'rfa-sessions-12mo': 'number',
  'last-rfa-relief': 'number',
  'last-rfa-relief-weeks': 'number',
  'single-invasive-modality': 'boolean',
  'coccyx-dynamic-imaging': 'boolean',
  'coccygeal-injection-relief': 'number',
  'order-described': 'boolean',
};

export const isFactId = (id: string): id is FactId => Object.prototype.hasOwnProperty.call(FACTS, id);

export type FactReader = (id: FactId) => Fact;

/** Facts for one order, each computed at most once. */
export function factReader(ctx: FactContext): FactReader {
  const cache = new Map<FactId, Fact>();
  return (id) => {
    let f = cache.get(id);
    if (!f) {
      f = FACTS[id](ctx);
      cache.set(id, f);
    }
    return f;
  };
}

