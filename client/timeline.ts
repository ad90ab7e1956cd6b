// Builds the review screen's timeline from the loaded record: conservative care (PT, chiropractic,
// CBT, analgesics), injections and blocks with their relief, RFA and neurotomy, imaging, pain scores,
// diagnosis onsets and the order under review. Pure; the Timeline component only draws it.
// Classification is deliberately broad (codes plus names): a timeline that omits care misleads more
// than one that shows an extra entry, and the criteria list, not this picture, carries the decision.
import type { fhir4 } from './fhir-types';

type Resource = fhir4.Resource;

export const LANES = ['diagnosis', 'conservative', 'injection', 'rfa', 'imaging', 'order'] as const;
export type Lane = (typeof LANES)[number];

export const LANE_LABELS: Record<Lane, string> = {
  diagnosis: 'Pain onset',
  conservative: 'Conservative care',
  injection: 'Injections & blocks',
  rfa: 'RFA & neurotomy',
  imaging: 'Imaging',
  order: 'This order',
};

export interface TimelineEvent {
  reference: string;
  lane: Lane;
  start: string;
  /** For spans (a prescription's course). */
  end?: string;
  label: string;
  /** "80% relief" — shown beside injections. */
  result?: string;
  relief?: number;
}

export interface PainPoint {
  reference: string;
  date: string;
  score: number;
}

const PT = /^(9711[02]|9714[0]|97530|9716[1-4])$/;
const CHIRO = /^9894[0-2]$/;
const CBT = /^9083[2-7]$/;
const INJECTION = /^(27096|G0260|64451|6449[0-5]|64479|6448[0-4]|6232[1-3]|20552|20553)$/;
const RFA = /^(64625|6463[3-6]|64772|64640)$/;
const IMAGING = /^(7[0-6]\d{3})$/;
const ANALGESIC = /naproxen|ibuprofen|meloxicam|diclofenac|celecoxib|ketorolac|acetaminophen|paracetamol|gabapentin|pregabalin|tizanidine|baclofen|cyclobenzaprine|methocarbamol|metaxalone|duloxetine|nsaid/i;
const PAIN_DX = /^(M46\.1|M53\.[23]|M53\.2X8|S33\.6|M54\.5|M47\.81|M45|L40\.5|M48\.06)|sacroiliac|sacrocoxalgia|coccy|low back pain|spondylosis/i;
const PAIN_SCORE = new Set(['72514-3', '38208-5', '38214-3']);

const day = (s: string | undefined) => (s ? s.slice(0, 10) : undefined);
const codesOf = (cc: fhir4.CodeableConcept | undefined) => (cc?.coding ?? []).map((c) => c.code ?? '').filter(Boolean);
const textOf = (cc: fhir4.CodeableConcept | undefined) =>
  [cc?.text, ...(cc?.coding ?? []).map((c) => c.display)].filter(Boolean).join(' · ');
const ref = (r: Resource) => `${r.resourceType}/${r.id}`;

function performed(p: fhir4.Procedure): string | undefined {
  return day(p.performedDateTime ?? p.performedPeriod?.start ?? p.performedString);
}

function addDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Relief after a procedure: a % Observation partOf it, pre/post scores that day, or its outcome text. */
export function reliefFor(p: fhir4.Procedure, resources: Resource[]): number | undefined {
  const key = ref(p);
  const linked = resources.filter(
    (r): r is fhir4.Observation => r.resourceType === 'Observation' && (r.partOf ?? []).some((x) => x.reference === key),
  );
  const pct = linked.find((o) => o.valueQuantity?.unit === '%' || o.valueQuantity?.code === '%');
  if (pct?.valueQuantity?.value !== undefined) return pct.valueQuantity.value;
  const scores = linked
    .filter((o) => codesOf(o.code).some((c) => PAIN_SCORE.has(c)) && o.valueQuantity?.value !== undefined)
    .sort((a, b) => (a.effectiveDateTime ?? '').localeCompare(b.effectiveDateTime ?? ''));
  const first = scores[0]?.valueQuantity?.value;
  const last = scores[scores.length - 1]?.valueQuantity?.value;
  if (scores.length >= 2 && first !== undefined && last !== undefined && first > 0) return Math.max(0, Math.round(((first - last) / first) * 100));
  const text = [p.outcome?.text, ...(p.note ?? []).map((n) => n.text)].join(' ');
  const m = /(\d{1,3})\s*(?:-|–|to)?\s*(?:\d{1,3})?\s*%/.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

export function buildTimeline(resources: Resource[], order?: { reference: string; authoredOn?: string; label: string }) {
  const events: TimelineEvent[] = [];
  const pain: PainPoint[] = [];
  for (const r of resources) {
    if (r.resourceType === 'Procedure' && r.status !== 'not-done' && r.status !== 'entered-in-error') {
      const date = performed(r);
      if (!date) continue;
      const codes = codesOf(r.code);
      const text = textOf(r.code);
      const lane: Lane | undefined = codes.some((c) => RFA.test(c)) || /radiofrequency|ablation|neurotomy|neurectomy|rhizotomy/i.test(text)
        ? 'rfa'
        : codes.some((c) => INJECTION.test(c)) || /inject|block/i.test(text)
          ? 'injection'
          : codes.some((c) => PT.test(c) || CHIRO.test(c) || CBT.test(c)) || /physical therap|chiropract|cognitive behav|manipulat|cushion|home exercise/i.test(text)
            ? 'conservative'
            : codes.some((c) => IMAGING.test(c)) || /MRI|radiograph|x-ray|CT /i.test(text)
              ? 'imaging'
              : undefined;
      if (!lane) continue;
      const relief = lane === 'injection' || lane === 'rfa' ? reliefFor(r, resources) : undefined;
      events.push({ reference: ref(r), lane, start: date, label: r.code?.text ?? text ?? 'Procedure', relief, result: relief !== undefined ? `${relief}% relief` : undefined });
    } else if (r.resourceType === 'Encounter') {
      const types = (r.type ?? []).flatMap((t) => codesOf(t));
      const text = (r.type ?? []).map(textOf).join(' ');
      const date = day(r.period?.start);
      // PT encounters that also carry a Procedure would be drawn twice; keep the Procedure.
      const hasProcedure = resources.some((p) => p.resourceType === 'Procedure' && p.encounter?.reference === ref(r));
      if (date && !hasProcedure && (types.some((c) => PT.test(c) || CHIRO.test(c) || CBT.test(c)) || /physical therap|chiropract/i.test(text))) {
        events.push({ reference: ref(r), lane: 'conservative', start: date, label: text || 'Therapy visit' });
      }
    } else if (r.resourceType === 'MedicationRequest' || r.resourceType === 'MedicationStatement') {
      const text = textOf(r.medicationCodeableConcept);
      if (!ANALGESIC.test(text)) continue;
      const start = r.resourceType === 'MedicationRequest' ? day(r.dispenseRequest?.validityPeriod?.start ?? r.authoredOn) : day(r.effectivePeriod?.start ?? r.effectiveDateTime ?? r.dateAsserted);
      if (!start) continue;
      const end = r.resourceType === 'MedicationRequest' ? day(r.dispenseRequest?.validityPeriod?.end) : day(r.effectivePeriod?.end);
      events.push({ reference: ref(r), lane: 'conservative', start, end: end ?? addDays(start, 30), label: r.medicationCodeableConcept?.text ?? text });
    } else if (r.resourceType === 'DiagnosticReport') {
      const date = day(r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued);
      if (date) events.push({ reference: ref(r), lane: 'imaging', start: date, label: r.code?.text ?? textOf(r.code), result: r.conclusion });
    } else if (r.resourceType === 'Condition') {
      const date = day(r.onsetDateTime ?? r.onsetPeriod?.start ?? r.recordedDate);
      const text = [...codesOf(r.code), textOf(r.code)].join(' ');
      if (date && PAIN_DX.test(text)) events.push({ reference: ref(r), lane: 'diagnosis', start: date, label: r.code?.text ?? textOf(r.code) });
    } else if (r.resourceType === 'Observation') {
      const value = r.valueQuantity?.value;
      const date = day(r.effectiveDateTime ?? r.effectivePeriod?.start);
      if (date && value !== undefined && codesOf(r.code).some((c) => PAIN_SCORE.has(c))) pain.push({ reference: ref(r), date, score: value });
    }
  }
  if (order) events.push({ reference: order.reference, lane: 'order', start: day(order.authoredOn) ?? new Date().toISOString().slice(0, 10), label: order.label });
  events.sort((a, b) => a.start.localeCompare(b.start));
  pain.sort((a, b) => a.date.localeCompare(b.date));
  const dates = [...events.flatMap((e) => [e.start, e.end ?? e.start]), ...pain.map((p) => p.date)].sort();
  return { events, pain, from: dates[0], to: dates[dates.length - 1] };
}

export type Timeline = ReturnType<typeof buildTimeline>;
