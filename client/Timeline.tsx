// One picture of the care that matters, on a shared time axis: pain onset, conservative care
// (sessions as dots, runs of sessions counted, prescriptions as bars), injections and blocks with their
// relief, RFA/neurotomy, imaging, the order under review, and the pain scores on a 0–10 scale above
// them. Each lane has its own shape as well as colour. It is drawn at the width it is given, in pixels
// (client/timeline-layout.ts places everything so nothing overlaps), so text stays legible on a phone.
// The same events are available as a table for screen readers and keyboard users.
import { useEffect, useMemo, useRef, useState } from 'react';
import { LANES, LANE_LABELS, type Lane, type Timeline as TimelineData } from './timeline';
import { layoutTimeline, type Label } from './timeline-layout';
import { formatDate } from './format';
import type { DialogRequest } from './EvidenceDialog';

function Shape({ lane, x, y }: { lane: Lane; x: number; y: number }) {
  switch (lane) {
    case 'diagnosis':
      return <path d={`M${x},${y - 7} L${x + 7},${y + 6} L${x - 7},${y + 6} Z`} />;
    case 'injection':
      return <path d={`M${x},${y - 8} L${x + 8},${y} L${x},${y + 8} L${x - 8},${y} Z`} />;
    case 'rfa':
      return <rect x={x - 7} y={y - 7} width={14} height={14} />;
    case 'imaging':
      return <rect x={x - 5} y={y - 5} width={10} height={10} rx={2} transform={`rotate(45 ${x} ${y})`} />;
    case 'order':
      return <path d={`M${x},${y - 9} L${x + 3},${y - 3} L${x + 9},${y - 2} L${x + 4},${y + 3} L${x + 6},${y + 9} L${x},${y + 6} L${x - 6},${y + 9} L${x - 4},${y + 3} L${x - 9},${y - 2} L${x - 3},${y - 3} Z`} />;
    default:
      return <circle cx={x} cy={y} r={5} />;
  }
}

function Text({ l }: { l: Label }) {
  return (
    <text x={l.x} y={l.y} textAnchor={l.anchor} className={l.className}>
      {l.text}
    </text>
  );
}

/** The width the chart is given, followed as it changes (a phone turned, a window resized). */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.round(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function Timeline({ data, onOpen }: { data: TimelineData; onOpen: (r: DialogRequest) => void }) {
  const [box, measured] = useWidth();
  // Before the first measurement (and when printing), a desktop width.
  const width = measured || 960;
  const layout = useMemo(() => layoutTimeline(data, width), [data, width]);
  if (!layout) return null;
  const { height, lanes, plot, pain } = layout;
  const summary = `${data.events.length} entries from ${formatDate(data.from)} to ${formatDate(data.to)}: ${lanes
    .map((l) => `${data.events.filter((e) => e.lane === l.lane).length} ${LANE_LABELS[l.lane].toLowerCase()}`)
    .join(', ')}${data.pain.length ? `; ${data.pain.length} pain scores from ${Math.min(...data.pain.map((p) => p.score))} to ${Math.max(...data.pain.map((p) => p.score))} of 10` : ''}.`;
  const legend = LANES.filter((l) => lanes.some((x) => x.lane === l));

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline of care</h2>
      <div ref={box} className="timeline-box">
        <svg width={layout.width} height={height} viewBox={`0 0 ${layout.width} ${height}`} role="img" aria-labelledby="timeline-svg-title timeline-svg-desc" className="timeline-svg">
          <title id="timeline-svg-title">Timeline of care</title>
          <desc id="timeline-svg-desc">{summary}</desc>
          {lanes.map((l, i) => i % 2 === 0 && <rect key={l.lane} x={0} y={l.top} width={layout.width} height={layout.laneHeight} className="lane-band" />)}
          {layout.ticks.map((t) => (
            <g key={t.x} className="tick">
              <line x1={t.x} x2={t.x} y1={4} y2={t.label.y - 14} />
              <Text l={t.label} />
            </g>
          ))}
          {pain && (
            <g className="pain">
              <Text l={pain.title} />
              {pain.scale.map((s) => (
                <g key={s.label.text}>
                  <line x1={plot.left} x2={plot.right} y1={s.y} y2={s.y} className="scale-line" />
                  <Text l={s.label} />
                </g>
              ))}
              <polyline points={pain.line.map(([x, y]) => `${x},${y}`).join(' ')} />
              {pain.points.map((p, i) => (
                <circle key={`${p.reference}-${i}`} cx={p.x} cy={p.y} r={3.5} onClick={() => onOpen({ reference: p.reference })}>
                  <title>{p.title}</title>
                </circle>
              ))}
              {pain.values.map((v, i) => (
                <Text key={i} l={v} />
              ))}
            </g>
          )}
          {lanes.map((l) => (
            <g key={l.lane} className={`lane lane-${l.lane}`}>
              <Text l={l.label} />
              {layout.marks
                .filter((m) => m.lane === l.lane)
                .map((m, j) => (
                  <g key={`${m.events[0]!.reference}-${j}`} className={`event event-${m.kind}`} onClick={() => onOpen({ reference: m.events[0]!.reference })}>
                    <title>{m.title}</title>
                    {m.kind === 'span' && <rect x={m.x} y={m.box.y} width={m.w} height={m.box.h} rx={4} className="span" />}
                    {m.kind === 'shape' && <Shape lane={m.lane} x={m.x} y={m.y} />}
                    {m.kind === 'cluster' && (
                      <>
                        <rect x={m.box.x} y={m.box.y} width={m.box.w} height={m.box.h} rx={m.box.h / 2} className="cluster" />
                        <text x={m.x} y={m.y + 4} textAnchor="middle" className="cluster-count">
                          {m.events.length}
                        </text>
                      </>
                    )}
                  </g>
                ))}
            </g>
          ))}
          {layout.labels.map((l, i) => (
            <Text key={i} l={l} />
          ))}
        </svg>
      </div>
      <ul className="legend" aria-hidden="true">
        {legend.includes('diagnosis') && <li>▲ onset</li>}
        {legend.includes('conservative') && <li>● therapy session (a number: that many sessions)</li>}
        {data.events.some((e) => e.end) && <li>▬ prescription</li>}
        {legend.includes('injection') && <li>◆ injection or block, with the relief after it</li>}
        {legend.includes('rfa') && <li>■ RFA or neurotomy</li>}
        {legend.includes('imaging') && <li>◇ imaging</li>}
        <li>★ this order</li>
        {pain && <li>pain scores on a 0–10 scale, the value written where it changes</li>}
      </ul>
      <details className="timeline-table">
        <summary>Timeline as a table ({data.events.length} entries)</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Kind</th>
              <th scope="col">What</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {data.events.map((e, i) => (
              <tr key={`${e.reference}-${i}`}>
                <td data-label="Date">
                  {formatDate(e.start)}
                  {e.end ? ` – ${formatDate(e.end)}` : ''}
                </td>
                <td data-label="Kind">{LANE_LABELS[e.lane]}</td>
                <td data-label="What">
                  <button type="button" className="link-button" onClick={() => onOpen({ reference: e.reference })}>
                    {e.label || e.reference}
                  </button>
                </td>
                <td data-label="Result">{e.result ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
