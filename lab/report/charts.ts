/**
 * Charts drawn by ECharts at report time, server-side, into SVG strings. The HTML report then needs
 * no script and no network: it opens the same from a CI artifact, a mail or an air-gapped host.
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import type { ChartSpec } from './document.ts';
import type { Figure } from './model.ts';
import type { Step } from '../timing/model.ts';
import { figureLabel, figurePassed, formatDuration, formatThreshold, formatValue } from './format.ts';
import { earliestStart } from './tables.ts';

const WIDTH = 960;
const ROW_HEIGHT = 26;
/** Above the plot: the title, and for figures the threshold labels too. */
const PLOT_TOP = { timeline: 44, figures: 64 } as const;
/** Below the plot: axis labels and axis name. */
const PLOT_BOTTOM = 40;
const COLORS = { ok: '#2e7d32', fail: '#c62828', neutral: '#1565c0', threshold: '#ef6c00', axis: '#555' };
/**
 * Server-side ECharts cannot measure text and lays labels out with Arial's metrics, so the charts
 * use Arial or a metric twin; a wider font would push axis labels out of the picture. Single quotes
 * only: ECharts writes the family unescaped into a double-quoted style attribute.
 */
const FONT = { fontFamily: "Arial, Helvetica, 'Liberation Sans', sans-serif", fontSize: 12 };

function common(title: string, top: number): EChartsOption {
  return {
    // Animations would leave CSS keyframes in the SVG and a half-drawn chart in screenshots.
    animation: false,
    backgroundColor: '#fff',
    textStyle: FONT,
    title: { text: title, left: 8, top: 6, textStyle: { ...FONT, fontSize: 14, fontWeight: 'bold' } },
    grid: { left: 16, right: 90, top, bottom: PLOT_BOTTOM, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
  };
}

const valueAxis = (name: string) => ({
  type: 'value' as const, name, nameLocation: 'middle' as const, nameGap: 24,
  axisLabel: { color: COLORS.axis }, splitLine: { lineStyle: { color: '#eee' } },
});

const categoryAxis = (names: string[]) => ({
  type: 'category' as const,
  data: names,
  // The first step at the top, as people read a timeline.
  inverse: true,
  axisTick: { show: false },
  axisLabel: { width: 260, overflow: 'truncate' as const, color: COLORS.axis },
});

function timelineOption(title: string, steps: Step[]): EChartsOption {
  const origin = earliestStart(steps);
  // A Gantt chart as two stacked bars: an invisible one up to the step's start, then the step itself.
  return {
    ...common(title, PLOT_TOP.timeline),
    yAxis: categoryAxis(steps.map((s) => `${s.group} · ${s.name}`)),
    xAxis: valueAxis('seconds since the first step'),
    series: [
      {
        type: 'bar', stack: 'gantt', silent: true, itemStyle: { color: 'transparent' },
        data: steps.map((s) => (Date.parse(s.startedAt) - origin) / 1000),
      },
      {
        type: 'bar', stack: 'gantt', barMaxWidth: 16,
        // Sub-second steps would otherwise vanish next to minute-long ones.
        barMinHeight: 2,
        data: steps.map((s) => ({ value: s.durationMs / 1000, itemStyle: { color: s.ok ? COLORS.ok : COLORS.fail } })),
        label: {
          show: true, position: 'right', color: COLORS.axis,
          formatter: (p) => {
            const step = steps[p.dataIndex];
            return step ? `${formatDuration(step.durationMs)}${step.ok ? '' : ' ✗'}` : '';
          },
        },
      },
    ],
  };
}

/** A round axis end beyond both bars and thresholds; ECharts leaves mark lines out of its own extent. */
function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

function barColor(figure: Figure): string {
  const passed = figurePassed(figure);
  return passed === undefined ? COLORS.neutral : passed ? COLORS.ok : COLORS.fail;
}

function figuresOption(title: string, unit: string, figures: Figure[]): EChartsOption {
  // One line per distinct limit, left to right, so neighbouring labels can be staggered.
  const limits = new Map<string, { value: number; text: string }>();
  for (const f of figures) if (f.threshold) limits.set(`${f.threshold.op}${f.threshold.value}`, { value: f.threshold.value, text: formatThreshold(f) });
  const thresholds = [...limits.values()].sort((a, b) => a.value - b.value);
  const values = [...figures.map((f) => f.value), ...thresholds.map((t) => t.value)];
  const [low, high] = [Math.min(0, ...values), Math.max(0, ...values)];
  return {
    ...common(title, PLOT_TOP.figures),
    yAxis: categoryAxis(figures.map(figureLabel)),
    xAxis: { ...valueAxis(unit), min: low < 0 ? -niceCeil(-low * 1.05) : 0, max: niceCeil(high * 1.05) },
    series: [{
      type: 'bar', barMaxWidth: 18,
      data: figures.map((f) => ({ value: f.value, itemStyle: { color: barColor(f) } })),
      label: { show: true, position: 'right', color: COLORS.axis, formatter: (p) => formatValue(figures[p.dataIndex]?.value ?? Number.NaN, unit) },
      markLine: {
        silent: true, symbol: 'none',
        lineStyle: { type: 'dashed', color: COLORS.threshold, width: 1.5 },
        // 'start' is the top: the category axis runs downwards.
        label: { position: 'start', color: COLORS.threshold },
        data: thresholds.map((t, i) => ({ xAxis: t.value, label: { formatter: `limit ${t.text}`, distance: i % 2 ? 18 : 4 } })),
      },
    }],
  };
}

export function renderChartSvg(spec: ChartSpec): string {
  const rows = spec.kind === 'timeline' ? spec.steps.length : spec.figures.length;
  // Two rows at least: a single bar would fill the plot and look like a block, not a bar.
  const height = PLOT_TOP[spec.kind] + PLOT_BOTTOM + 16 + Math.max(rows, 2) * ROW_HEIGHT;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption(spec.kind === 'timeline' ? timelineOption(spec.title, spec.steps) : figuresOption(spec.title, spec.unit, spec.figures));
    return chart.renderToSVGString({ useViewBox: true });
  } finally {
    chart.dispose();
  }
}
