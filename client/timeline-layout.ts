// Where everything on the timeline goes, in pixels of the width it is drawn at (client/Timeline.tsx
// only draws this). Pure, so the rules are tested without a browser:
//   - the pain row has a 0–10 scale, and a score's value is written by its dot wherever it fits;
//   - markers never overlap: near-simultaneous events of a sparse lane are set side by side, a run of
//     therapy sessions becomes one marker with its count;
//   - labels never run together: tick labels are spaced for their width, relief labels take the first
//     free row above or below their marker, and a label with no room is left to the tooltip and table;
//   - narrower than COMPACT_BELOW, lane names go above their lane instead of beside it (a phone).
import type { Lane, Timeline, TimelineEvent } from './timeline';
import { LANES, LANE_LABELS } from './timeline';
import { formatDate } from './format';

export const COMPACT_BELOW = 640;
const MS_DAY = 86_400_000;
/** Marker size: diamonds and squares are about this wide. */
const MARK = 14;
/** Closer than this, two markers would touch. */
const GAP = MARK + 3;
/** Pain dots closer than this would merge into a bar. */
const PAIN_DOT_GAP = 9;
/** A group of near-simultaneous events up to this size is set side by side; larger, it becomes one counted marker. */
const SIDE_BY_SIDE = 4;
/** Width of a character of the 12 px labels, for collision checks: generous, since the bold digits and "%" are wide. */
const CHAR_W = 8.5;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Mark {
  lane: Lane;
  kind: 'shape' | 'cluster' | 'span';
  /** Centre of a shape or cluster; left edge of a span. */
  x: number;
  y: number;
  /** Spans and clusters: their width. */
  w: number;
  events: TimelineEvent[];
  title: string;
  box: Box;
}

export interface Label {
  x: number;
  y: number;
  text: string;
  anchor: 'start' | 'middle' | 'end';
  className: string;
  box: Box;
}

export interface TimelineLayout {
  width: number;
  height: number;
  compact: boolean;
  plot: { left: number; right: number };
  laneHeight: number;
  lanes: { lane: Lane; top: number; y: number; label: Label }[];
  ticks: { x: number; label: Label }[];
  pain?: { top: number; bottom: number; scale: { y: number; label: Label }[]; line: (readonly [number, number])[]; points: { x: number; y: number; score: number; reference: string; title: string }[]; values: Label[]; title: Label };
  marks: Mark[];
  labels: Label[];
}

const ms = (iso: string) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);

function label(x: number, y: number, text: string, anchor: Label['anchor'], className: string, size = 12): Label {
  const w = text.length * CHAR_W * (size / 12);
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x, y, text, anchor, className, box: { x: left, y: y - size, w, h: size + 2 } };
}

/** A box with room around it: labels closer than this read as one ("77"). */
export function padded(b: Box, by = 5): Box {
  return { x: b.x - by, y: b.y, w: b.w + 2 * by, h: b.h };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function describe(e: TimelineEvent): string {
  return `${formatDate(e.start)}${e.end ? ` to ${formatDate(e.end)}` : ''}: ${e.label}${e.result ? ` (${e.result})` : ''}`;
}

/** Month ticks spaced so that their labels ("Jan 2025", about 60 px) never touch. */
function ticks(from: number, to: number, x: (t: number) => number, y: number): { x: number; label: Label }[] {
  const pxPerMonth = x(from + 30 * MS_DAY) - x(from);
  const step = [1, 2, 3, 6, 12, 24, 60].find((s) => s * pxPerMonth >= 76) ?? 120;
  const d = new Date(from);
  d.setUTCDate(1);
  d.setUTCMonth(Math.ceil(d.getUTCMonth() / step) * step);
  const out: { x: number; label: Label }[] = [];
  while (d.getTime() <= to && out.length < 60) {
    if (d.getTime() >= from) out.push({ x: x(d.getTime()), label: label(x(d.getTime()), y, formatDate(d.toISOString().slice(0, 7)), 'middle', 'tick-label') });
    d.setUTCMonth(d.getUTCMonth() + step);
  }
  return out;
}

/** Events of one lane at one centre line → markers that do not touch. */
function placeLane(lane: Lane, events: TimelineEvent[], x: (iso: string) => number, y: number, bounds: { left: number; right: number }): Mark[] {
  const marks: Mark[] = [];
  const spans = events.filter((e) => e.end);
  const points = events.filter((e) => !e.end).sort((a, b) => a.start.localeCompare(b.start));
  // A lane with prescriptions draws them below its sessions, so the two never cover each other.
  const pointY = spans.length > 0 ? y - 6 : y;
  // Prescriptions that run on from one another are one bar: many short bars side by side read as dots.
  const runs: TimelineEvent[][] = [];
  for (const e of [...spans].sort((a, b) => a.start.localeCompare(b.start))) {
    const last = runs.at(-1);
    const end = last && Math.max(...last.map((r) => x(r.end!)));
    if (last && end !== undefined && x(e.start) - end < 3) last.push(e);
    else runs.push([e]);
  }
  for (const run of runs) {
    const x0 = x(run[0]!.start);
    const w = Math.max(Math.max(...run.map((r) => x(r.end!))) - x0, 4);
    const title = run.length === 1 ? describe(run[0]!) : `${run.length} prescriptions, ${formatDate(run[0]!.start)} to ${formatDate(run.reduce((m, r) => (r.end! > m ? r.end! : m), run[0]!.end!))}`;
    marks.push({ lane, kind: 'span', x: x0, y: y + 8, w, events: run, title, box: { x: x0, y: y + 4, w, h: 8 } });
  }
  const groups: TimelineEvent[][] = [];
  for (const e of points) {
    const last = groups.at(-1);
    if (last && x(e.start) - x(last.at(-1)!.start) < GAP) last.push(e);
    else groups.push([e]);
  }
  const counted = lane === 'conservative';
  const placed: Mark[] = [];
  for (const g of groups) {
    const xs = g.map((e) => x(e.start));
    const centre = (xs[0]! + xs.at(-1)!) / 2;
    if (g.length === 1 || (!counted && g.length <= SIDE_BY_SIDE)) {
      // Side by side, centred on the group, kept inside the plot.
      let start = Math.max(bounds.left + MARK / 2, Math.min(centre - ((g.length - 1) * GAP) / 2, bounds.right - MARK / 2 - (g.length - 1) * GAP));
      const prev = placed.at(-1);
      if (prev) start = Math.max(start, prev.box.x + prev.box.w + GAP - MARK / 2 + 1);
      g.forEach((e, i) => {
        const mx = start + i * GAP;
        const m: Mark = { lane, kind: 'shape', x: mx, y: pointY, w: MARK, events: [e], title: describe(e), box: { x: mx - MARK / 2, y: pointY - MARK / 2, w: MARK, h: MARK } };
        placed.push(m);
      });
    } else {
      const prev = placed.at(-1);
      const left = Math.max(xs[0]! - MARK / 2, prev ? prev.box.x + prev.box.w + 3 : bounds.left);
      const w = Math.max(xs.at(-1)! + MARK / 2 - left, String(g.length).length * CHAR_W + 12);
      const m: Mark = {
        lane,
        kind: 'cluster',
        x: left + w / 2,
        y: pointY,
        w,
        events: g,
        title: `${g.length} ${counted ? 'sessions' : 'entries'}, ${formatDate(g[0]!.start)} to ${formatDate(g.at(-1)!.start)}`,
        box: { x: left, y: pointY - MARK / 2, w, h: MARK },
      };
      placed.push(m);
    }
  }
  return [...marks, ...placed];
}

export function layoutTimeline(data: Timeline, width: number): TimelineLayout | undefined {
  if (!data.from || !data.to) return undefined;
  const W = Math.max(Math.round(width), 280);
  const compact = W < COMPACT_BELOW;
  const plot = { left: compact ? 30 : 176, right: W - (compact ? 14 : 28) };
  const laneH = compact ? 54 : 44;
  const from = ms(data.from) - 20 * MS_DAY;
  const to = ms(data.to) + 20 * MS_DAY;
  const xt = (t: number) => plot.left + ((t - from) / (to - from)) * (plot.right - plot.left);
  const x = (iso: string) => xt(ms(iso));

  let top = 8;
  let pain: TimelineLayout['pain'];
  if (data.pain.length > 0) {
    const titleY = compact ? top + 12 : top + 44;
    const ptop = compact ? top + 26 : top + 10;
    const pbottom = ptop + 72;
    const py = (score: number) => pbottom - (Math.min(Math.max(score, 0), 10) / 10) * (pbottom - ptop);
    const scale = [0, 5, 10].map((v) => ({ y: py(v), label: label(plot.left - 6, py(v) + 4, String(v), 'end', 'scale-label', 11) }));
    const all = data.pain.map((p) => ({ x: x(p.date), y: py(p.score), score: p.score, reference: p.reference, title: `${formatDate(p.date)}: pain ${p.score}/10` }));
    // A dot per score where dots have room; where scores are denser than that, the line carries them (the table lists each).
    const points: typeof all = [];
    for (const p of all) if (!points.length || p.x - points.at(-1)!.x >= PAIN_DOT_GAP) points.push(p);
    const values: Label[] = [];
    all.forEach((p, i) => {
      // A value where it changes (and the first and last), above the dot unless that leaves the plot, never touching another.
      const changed = i === 0 || i === all.length - 1 || p.score !== all[i - 1]!.score;
      if (!changed) return;
      const l = label(p.x, p.y - 7 < ptop + 4 ? p.y + 16 : p.y - 7, String(p.score), 'middle', 'pain-value', 11);
      if (!values.some((v) => overlaps(padded(v.box), l.box))) values.push(l);
    });
    pain = { top: ptop, bottom: pbottom, scale, line: all.map((p) => [p.x, p.y] as const), points, values, title: label(compact ? plot.left : 8, titleY, 'Pain score (0–10)', 'start', 'lane-label', 13) };
    top = pbottom + 14;
  }

  const used = LANES.filter((l) => l === 'order' || data.events.some((e) => e.lane === l));
  const lanes = used.map((lane, i) => {
    const laneTop = top + i * laneH;
    const y = compact ? laneTop + 34 : laneTop + laneH / 2;
    return { lane, top: laneTop, y, label: compact ? label(plot.left, laneTop + 14, LANE_LABELS[lane], 'start', 'lane-label', 13) : label(8, y + 5, LANE_LABELS[lane], 'start', 'lane-label', 13) };
  });
  const marks = lanes.flatMap((l) => placeLane(l.lane, data.events.filter((e) => e.lane === l.lane), x, l.y, plot));

  // Relief labels: the first free row (above the marker, then below) where no other label is.
  const labels: Label[] = [];
  for (const m of marks) {
    const e = m.events[0]!;
    if (m.kind !== 'shape' || e.relief === undefined) continue;
    const tone = e.relief >= 75 ? 'relief-good' : e.relief >= 50 ? 'relief-mid' : 'relief-poor';
    const rows = [m.y - MARK / 2 - 3, m.y + MARK / 2 + 13];
    const spot = rows.map((ry) => label(m.x, ry, `${e.relief}%`, 'middle', `relief-label ${tone}`)).find((l) => !labels.some((o) => overlaps(padded(o.box), l.box)) && !marks.some((o) => o !== m && overlaps(o.box, l.box)));
    if (spot) labels.push(spot);
  }

  const axisY = top + lanes.length * laneH + 18;
  return { width: W, height: axisY + 8, compact, plot, laneHeight: laneH, lanes, ticks: ticks(from, to, xt, axisY), pain, marks, labels };
}
