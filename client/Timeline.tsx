// One picture of the care that matters, on a shared time axis: pain onset, conservative care
// (sessions as dots, prescriptions as bars), injections and blocks with their relief, RFA/neurotomy,
// imaging, the order under review, and the pain scores above them. Each lane has its own shape as well
// as colour. The same events are available as a table for screen readers and keyboard users.
import { useMemo } from 'react';
import { LANES, LANE_LABELS, type Lane, type Timeline as TimelineData } from './timeline';
import { formatDate } from './format';
import type { DialogRequest } from './EvidenceDialog';

const W = 1000;
const LEFT = 168;
const RIGHT = 36;
const LANE_H = 40;
const PAIN_H = 64;
const AXIS_H = 28;
const MS_DAY = 86_400_000;

const ms = (iso: string) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);

function reliefTone(relief: number | undefined): string {
  if (relief === undefined) return '';
  return relief >= 75 ? 'relief-good' : relief >= 50 ? 'relief-mid' : 'relief-poor';
}

function Shape({ lane, x, y }: { lane: Lane; x: number; y: number }) {
  switch (lane) {
    case 'diagnosis':
      return <path d={`M${x},${y - 7} L${x + 7},${y + 6} L${x - 7},${y + 6} Z`} />;
    case 'injection':
      return <path d={`M${x},${y - 8} L${x + 8},${y} L${x},${y + 8} L${x - 8},${y} Z`} />;
    case 'rfa':
      return <rect x={x - 7} y={y - 7} width={14} height={14} />;
    case 'imaging':
      return <rect x={x - 6} y={y - 6} width={12} height={12} rx={2} transform={`rotate(45 ${x} ${y})`} />;
    case 'order':
      return <path d={`M${x},${y - 9} L${x + 3},${y - 3} L${x + 9},${y - 2} L${x + 4},${y + 3} L${x + 6},${y + 9} L${x},${y + 6} L${x - 6},${y + 9} L${x - 4},${y + 3} L${x - 9},${y - 2} L${x - 3},${y - 3} Z`} />;
    default:
      return <circle cx={x} cy={y} r={4.5} />;
  }
}

/** Relief labels closer than a label's width alternate above and below their marker so they stay legible. */
function staggered<T extends { at: number }>(labels: T[]): (T & { raise: number })[] {
  let prev: { at: number; raise: number } | undefined;
  return labels.map((l) => {
    const raise = prev && l.at - prev.at < 34 && prev.raise === 0 ? 13 : 0;
    prev = { at: l.at, raise };
    return { ...l, raise };
  });
}

function ticks(from: number, to: number): { at: number; label: string }[] {
  const months = (to - from) / (30 * MS_DAY);
  const step = months > 36 ? 12 : months > 18 ? 6 : months > 8 ? 3 : 1;
  const d = new Date(from);
  d.setUTCDate(1);
  d.setUTCMonth(Math.ceil(d.getUTCMonth() / step) * step);
  const out: { at: number; label: string }[] = [];
  while (d.getTime() <= to && out.length < 40) {
    if (d.getTime() >= from) out.push({ at: d.getTime(), label: formatDate(d.toISOString().slice(0, 7)) });
    d.setUTCMonth(d.getUTCMonth() + step);
  }
  return out;
}

export function Timeline({ data, onOpen }: { data: TimelineData; onOpen: (r: DialogRequest) => void }) {
  const layout = useMemo(() => {
    if (!data.from || !data.to) return undefined;
    const from = ms(data.from) - 20 * MS_DAY;
    const to = ms(data.to) + 20 * MS_DAY;
    const lanes = LANES.filter((l) => l === 'order' || data.events.some((e) => e.lane === l));
    const top = data.pain.length > 0 ? PAIN_H + 12 : 8;
    const x = (iso: string) => LEFT + ((ms(iso) - from) / (to - from)) * (W - LEFT - RIGHT);
    const laneY = (l: Lane) => top + lanes.indexOf(l) * LANE_H + LANE_H / 2;
    return { from, to, lanes, top, x, laneY, height: top + lanes.length * LANE_H + AXIS_H };
  }, [data]);

  if (!layout) return null;
  const { x, laneY, lanes, top, height } = layout;
  const painY = (score: number) => 8 + (1 - score / 10) * (PAIN_H - 12);
  const injections = data.events.filter((e) => e.lane === 'injection' || e.lane === 'rfa');
  const summary = `${data.events.length} entries from ${formatDate(data.from)} to ${formatDate(data.to)}: ${lanes
    .map((l) => `${data.events.filter((e) => e.lane === l).length} ${LANE_LABELS[l].toLowerCase()}`)
    .join(', ')}.`;

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline of care</h2>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby="timeline-svg-title timeline-svg-desc" className="timeline-svg">
        <title id="timeline-svg-title">Timeline of care</title>
        <desc id="timeline-svg-desc">{summary}</desc>
        {ticks(layout.from, layout.to).map((t) => {
          const tx = LEFT + ((t.at - layout.from) / (layout.to - layout.from)) * (W - LEFT - RIGHT);
          return (
            <g key={t.at} className="tick">
              <line x1={tx} x2={tx} y1={4} y2={height - AXIS_H} />
              <text x={tx} y={height - 10} textAnchor="middle">
                {t.label}
              </text>
            </g>
          );
        })}
        {data.pain.length > 0 && (
          <g className="pain">
            <text x={8} y={PAIN_H / 2} className="lane-label">
              Pain score (0–10)
            </text>
            <line x1={LEFT} x2={W - RIGHT} y1={painY(0)} y2={painY(0)} className="baseline" />
            <polyline points={data.pain.map((p) => `${x(p.date)},${painY(p.score)}`).join(' ')} />
            {data.pain.map((p) => (
              <circle key={p.reference} cx={x(p.date)} cy={painY(p.score)} r={3} onClick={() => onOpen({ reference: p.reference })}>
                <title>{`${formatDate(p.date)}: pain ${p.score}/10`}</title>
              </circle>
            ))}
          </g>
        )}
        {lanes.map((l, i) => (
          <g key={l} className={`lane lane-${l}`}>
            {i % 2 === 0 && <rect x={0} y={top + i * LANE_H} width={W} height={LANE_H} className="lane-band" />}
            <text x={8} y={laneY(l) + 5} className="lane-label">
              {LANE_LABELS[l]}
            </text>
            {data.events
              .filter((e) => e.lane === l)
              .map((e, j) => (
                <g key={`${e.reference}-${j}`} className={`event ${reliefTone(e.relief)}`} onClick={() => onOpen({ reference: e.reference })}>
                  <title>{`${formatDate(e.start)}${e.end ? ` to ${formatDate(e.end)}` : ''}: ${e.label}${e.result ? ` (${e.result})` : ''}`}</title>
                  {e.end ? (
                    <rect x={x(e.start)} y={laneY(l) - 5} width={Math.max(x(e.end) - x(e.start), 4)} height={10} rx={5} className="span" />
                  ) : (
                    <Shape lane={l} x={x(e.start)} y={laneY(l)} />
                  )}
                </g>
              ))}
          </g>
        ))}
        {staggered(injections.filter((e) => e.relief !== undefined).map((e) => ({ e, at: x(e.start) }))).map(({ e, at, raise }, j) => (
          <text key={`${e.reference}-r${j}`} x={at} y={raise ? laneY(e.lane) + 20 : laneY(e.lane) - 11} textAnchor="middle" className={`relief-label ${reliefTone(e.relief)}`}>
            {e.relief}%
          </text>
        ))}
      </svg>
      <p className="legend" aria-hidden="true">
        ▲ onset · ● therapy session, ▬ prescription · ◆ injection or block (label: relief) · ■ RFA/neurotomy · ◇ imaging · ★ this order
      </p>
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
                <td>
                  {formatDate(e.start)}
                  {e.end ? ` – ${formatDate(e.end)}` : ''}
                </td>
                <td>{LANE_LABELS[e.lane]}</td>
                <td>
                  <button type="button" className="link-button" onClick={() => onOpen({ reference: e.reference })}>
                    {e.label || e.reference}
                  </button>
                </td>
                <td>{e.result ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
