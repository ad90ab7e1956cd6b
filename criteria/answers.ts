// Answers as evidence: a QuestionnaireResponse to one of this product's documentation questionnaires
// (criteria/questionnaire.ts) is read like any entry of the record. Each answer is dated (authored),
// attributed (its DTR information-origin author, else the response's author) and cites its item
// (linkId = the fact id). A response with no date or no author is not read: an answer nobody signed
// is not documentation. Completed and amended responses count; an in-progress one counts only when
// the caller passes it as the form being filled (EvaluationOptions.responses).
//
// Precedence (the safer reading, docs/clinical/reading-records.md): an answer fills a fact the record
// leaves unknown, or one the record decides only by the absence of entries, or pins down a number the
// record only bounds. It never overrides what the record's own entries establish: an answer that
// agrees is added to the evidence; one that differs leaves the record's value standing and is shown
// as a conflict on the determination. Answers about the order itself (its phase, guidance,
// diagnosis) count only for the order the response names in its DTR context.
import { dateOf, dateSpan, instantOf, round1, weeksBetween } from './dates';
import { DTR, OWN_QUESTIONNAIRE } from './dtr-profiles';
import type { Evidence, Fact, FactSpec, PolicyLibrary } from './model';

export interface AnswerRec {
  /** "QuestionnaireResponse/…" */
  ref: string;
  fact: string;
  value: boolean | number | string;
  /** The day it was given (QuestionnaireResponse.authored). */
  date: string;
  instant?: number;
  author: string;
  /** The orders (and coverages) the response's DTR context names. */
  context: string[];
  question: string;
  /** Passed by the caller as the form being filled, not yet stored. */
  draft: boolean;
}

type Json = Record<string, unknown>;
const ORDER_KINDS = new Set(['order-phase', 'order-modality', 'order-diagnosis']);

const referenceOf = (v: unknown): string | undefined => {
  const r = (v as { reference?: unknown } | undefined)?.reference;
  return typeof r === 'string' && r ? r : undefined;
};

function originAuthor(answer: Json): string | undefined {
  const origin = (answer.extension as Json[] | undefined)?.find((e) => e?.url === DTR.origin);
  const author = (origin?.extension as Json[] | undefined)?.find((e) => e?.url === 'author');
  const practitioner = (author?.extension as Json[] | undefined)?.find((e) => e?.url === 'practitioner');
  return referenceOf(practitioner?.valueReference);
}

function valueFor(spec: FactSpec, answer: Json): boolean | number | string | undefined {
  switch (spec.question.answerType) {
    case 'boolean':
      return typeof answer.valueBoolean === 'boolean' ? answer.valueBoolean : undefined;
    case 'integer':
    case 'decimal': {
      const v = answer.valueInteger ?? answer.valueDecimal;
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
    }
    case 'date': {
      const v = answer.valueDate ?? answer.valueDateTime;
      return typeof v === 'string' && dateSpan(v) ? v : undefined;
    }
  }
}

/** Every answer of one QuestionnaireResponse, or none when it is not one of ours, not dated or not attributed. */
export function readResponse(lib: PolicyLibrary, r: Json, ref: string, draft: boolean): AnswerRec[] {
  const questionnaire = typeof r.questionnaire === 'string' ? r.questionnaire : '';
  if (!OWN_QUESTIONNAIRE.test(questionnaire)) return [];
  const status = r.status;
  if (!draft && status !== 'completed' && status !== 'amended') return [];
  if (status === 'entered-in-error' || status === 'stopped') return [];
  const authored = typeof r.authored === 'string' ? r.authored : undefined;
  const date = dateOf(authored);
  if (!date) return [];
  const responseAuthor = referenceOf(r.author) ?? (typeof (r.author as Json | undefined)?.display === 'string' ? String((r.author as Json).display) : undefined);
  const context = ((r.extension as Json[] | undefined) ?? []).filter((e) => e?.url === DTR.context).map((e) => referenceOf(e.valueReference)).filter((x): x is string => !!x);
  const out: AnswerRec[] = [];
  const visit = (items: unknown): void => {
    if (!Array.isArray(items)) return;
    for (const it of items as Json[]) {
      if (!it || typeof it !== 'object') continue;
      const spec = typeof it.linkId === 'string' ? lib.facts.get(it.linkId) : undefined;
      const answers = Array.isArray(it.answer) ? (it.answer as Json[]) : [];
      if (spec && spec.kind !== 'bespoke' && answers[0]) {
        const value = valueFor(spec, answers[0]);
        const author = originAuthor(answers[0]) ?? responseAuthor;
        if (value !== undefined && author) {
          out.push({ ref, fact: spec.id, value, date, instant: instantOf(authored), author, context, question: spec.question.text, draft });
        }
      }
      visit(it.item);
      for (const a of answers) visit(a.item);
    }
  };
  visit(r.item);
  return out;
}

const shown = (spec: FactSpec, v: boolean | number | string) =>
  typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'number' ? `${v}${spec.unit && spec.unit !== 'sessions' && spec.unit !== 'classes' && spec.unit !== 'positive' ? (spec.unit.startsWith('%') || spec.unit.startsWith('/') ? spec.unit : ` ${spec.unit}`) : ''}` : v;

export interface AnswerContext {
  answers: readonly AnswerRec[];
  /** The order being judged ("ServiceRequest/…"). */
  order: string;
  asOf: string;
  /** Answers given after this day are not read (the judging date when given, else today). */
  cutoff: string;
}

/** The answer's value as the fact's value: a date becomes the weeks since it (a span of days, a range). */
function asFactValue(a: AnswerRec, asOf: string): { value: boolean | number; range?: [number, number] } | undefined {
  if (typeof a.value !== 'string') return { value: a.value };
  const span = dateSpan(a.value);
  if (!span || span.first > asOf) return undefined;
  const lo = round1(weeksBetween(span.last > asOf ? asOf : span.last, asOf));
  const hi = round1(weeksBetween(span.first, asOf));
  return lo === hi ? { value: lo } : { value: lo, range: [lo, hi] };
}

/** The fact as the record has it, with the latest answer applied by the precedence above. */
export function withAnswer(spec: FactSpec, f: Fact, ctx: AnswerContext): Fact {
  if (spec.kind === 'bespoke' || ctx.answers.length === 0) return f;
  const orderFact = ORDER_KINDS.has(spec.kind);
  const candidates = ctx.answers
    .filter((a) => a.fact === spec.id && a.date <= ctx.cutoff && (!orderFact || a.context.includes(ctx.order)))
    .sort((x, y) => y.date.localeCompare(x.date) || (y.instant ?? 0) - (x.instant ?? 0) || Number(y.draft) - Number(x.draft));
  const a = candidates[0];
  if (!a) return f;
  const answered = asFactValue(a, ctx.asOf);
  if (!answered) return f;
  const text = shown(spec, a.value);
  const evidence: Evidence = {
    reference: a.ref,
    resourceType: 'QuestionnaireResponse',
    date: a.date,
    value: text,
    quote: a.question,
    path: `QuestionnaireResponse.item.where(linkId='${spec.id}').answer.value`,
    note: `answered by ${a.author} on ${a.date}${a.draft ? ' (in the form, not yet saved)' : ''}`,
    author: a.author,
  };
  const by = `answered "${text}" by ${a.author} on ${a.date}${a.draft ? ' (not yet saved)' : ''}`;
  const silent = f.value === undefined || f.byAbsence === true || f.evidence.length === 0;
  if (silent) {
    const before = f.byAbsence ? `the record has no entry either way (${f.summary})` : `the record alone: ${f.summary}`;
    return { value: answered.value, evidence: [...f.evidence, evidence], summary: `${spec.label}: ${by}; ${before}`, ...(answered.range ? { range: answered.range } : {}) };
  }
  const v = answered.value;
  if (f.range && typeof v === 'number') {
    const [lo, hi] = f.range;
    if (v >= lo && v <= hi && !answered.range) return { value: v, evidence: [...f.evidence, evidence], summary: `${spec.label}: ${by}, within what the record allows (${f.summary})` };
  }
  const agrees = f.range && typeof v === 'number' ? v >= f.range[0] && v <= f.range[1] : f.value === v || (answered.range !== undefined && typeof f.value === 'number' && f.value >= answered.range[0] && f.value <= answered.range[1]);
  if (agrees) return { ...f, evidence: [...f.evidence, evidence], summary: `${f.summary}; the answer given by ${a.author} on ${a.date} agrees` };
  return {
    ...f,
    conflict: {
      text: `${spec.label}: the answer "${text}" given by ${a.author} on ${a.date} differs from the record (${f.summary}). The record's entries stand until they are corrected.`,
      evidence: [evidence, ...f.evidence],
    },
  };
}
