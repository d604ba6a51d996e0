// A uPlot chart of series over days. uPlot draws on a canvas, so the chart is one image with a
// label for assistive technology; every chart is shown beside a table of the same figures.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatDate, formatNumber, locale } from './i18n';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const COLOURS = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0f766e', '#a16207', '#475569'];

export function DayChart({
  days,
  series,
  label,
  id,
  integer = false,
}: {
  days: string[]; // YYYY-MM-DD
  series: ChartSeries[];
  label: string;
  id: string;
  integer?: boolean; // counts: ticks on whole numbers only
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || days.length === 0 || series.length === 0) return;
    // Days by their position, so that one day or a few are spread over the width.
    const x = days.map((_, i) => i);
    const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7, 1e8];
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height: 240,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: () => [-0.5, days.length - 0.5] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          incrs: [1, 2, 7, 14, 28],
          values: (_u, splits) => splits.map((s) => (Number.isInteger(s) && days[s] ? formatDate(days[s]) : '')),
          space: 90,
        },
        {
          incrs: integer ? steps : undefined,
          values: (_u, splits) => splits.map((s) => formatNumber(s, integer ? 0 : 2)),
          size: 80,
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          points: { show: true, size: 6 },
        })),
      ],
    };
    const plot = new uPlot(options, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = () => plot.setSize({ width: Math.max(320, element.clientWidth), height: 240 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [days, series, integer, locale()]);
  return (
    <figure class="chart">
      <div ref={box} id={id} role="img" aria-label={label} />
      <figcaption>
        <span class="muted">{label}</span>
        <ul class="legend">
          {series.map((s, i) => (
            <li key={s.label}>
              <span class="swatch" style={{ background: COLOURS[i % COLOURS.length] }} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
