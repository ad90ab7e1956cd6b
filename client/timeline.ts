// The review screen's timeline: the engine's own classification of the record (criteria/timeline.ts:
// the same value sets and relief readings the criteria use) plus the order under review, with the date
// range to draw. Pure; the Timeline component only draws it.
import { careTimeline, CARE_LANES, type CareEvent, type PainPoint, type PolicyLibrary } from '../criteria';

export const LANES = [...CARE_LANES, 'order'] as const;
export type Lane = (typeof LANES)[number];

export const LANE_LABELS: Record<Lane, string> = {
  diagnosis: 'Pain onset',
  conservative: 'Conservative care',
  injection: 'Injections & blocks',
  rfa: 'RFA & neurotomy',
  imaging: 'Imaging',
  order: 'This order',
};

export interface TimelineEvent extends Omit<CareEvent, 'lane' | 'kind'> {
  lane: Lane;
  kind?: string;
  /** "80% relief" — shown beside injections. */
  result?: string;
}
export type { PainPoint };

export function buildTimeline(library: PolicyLibrary, resources: readonly unknown[], order?: { reference: string; authoredOn?: string; label: string }) {
  const care = careTimeline(library, resources);
  const events: TimelineEvent[] = care.events.map((e) => ({ ...e, result: e.relief !== undefined ? `${e.relief}% relief` : undefined }));
  if (order) events.push({ reference: order.reference, lane: 'order', start: order.authoredOn?.slice(0, 10) ?? new Date().toISOString().slice(0, 10), label: order.label });
  events.sort((a, b) => a.start.localeCompare(b.start));
  const dates = [...events.flatMap((e) => [e.start, e.end ?? e.start]), ...care.pain.map((p) => p.date)].sort();
  return { events, pain: care.pain, from: dates[0], to: dates[dates.length - 1] };
}

export type Timeline = ReturnType<typeof buildTimeline>;
