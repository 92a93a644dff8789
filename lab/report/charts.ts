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
/** The least height of a bar's row; rows whose name wraps onto more lines grow. */
const ROW_HEIGHT = 26;
/** Space above and below a row's name. */
const ROW_PADDING = 12;
/** Above the plot: the title, and for figures the threshold labels too. */
const PLOT_TOP = { timeline: 44, figures: 64 } as const;
/** Below the plot: axis labels and axis name. */
const PLOT_BOTTOM = 40;
const COLORS = { ok: '#2e7d32', fail: '#c62828', neutral: '#1565c0', threshold: '#ef6c00', axis: '#555' };
/**
 * Server-side ECharts cannot measure text and lays labels out with Arial's metrics, so the charts ask
 * for Arial or a metric twin (where the browser has neither, LABEL leaves room). Single quotes only:
 * ECharts writes the family unescaped into a double-quoted style attribute.
 */
const FONT = { fontFamily: "Arial, Helvetica, 'Liberation Sans', sans-serif", fontSize: 12 };
const LINE_HEIGHT = 15;
/**
 * Names on the category axis. A browser with neither Arial nor a metric twin draws them wider than
 * ECharts measured (DejaVu Sans, Debian's default, by about 13 %), so the names start at the left edge
 * and their column is this much wider than measured: a wider font runs into the gap before the axis,
 * never out of the picture on the left.
 */
const LABEL = { left: 8, gap: 8, fontSlack: 1.2, maxWidth: 300 } as const;

/** Where the category names go: their wrap width, the plot's left edge, and each row's height. */
interface LabelColumn { wrapWidth: number; plotLeft: number; rowHeight: number }

/** ECharts' own text layout, the one the axis will use, so the measured lines are the drawn ones. */
function textBox(text: string, wrapWidth?: number): { width: number; height: number } {
  const style = { text, ...FONT, lineHeight: LINE_HEIGHT, ...(wrapWidth ? { width: wrapWidth, overflow: 'break' as const } : {}) };
  return new echarts.graphic.Text({ style }).getBoundingRect();
}

/** Wide enough for the longest name up to LABEL.maxWidth; longer names wrap, whole, onto more lines. */
function labelColumn(names: string[]): LabelColumn {
  const wrapWidth = Math.ceil(Math.min(LABEL.maxWidth, Math.max(1, ...names.map((n) => textBox(n).width))));
  const tallest = Math.max(LINE_HEIGHT, ...names.map((n) => textBox(n, wrapWidth).height));
  return {
    wrapWidth,
    plotLeft: LABEL.left + Math.ceil(wrapWidth * LABEL.fontSlack) + LABEL.gap,
    rowHeight: Math.max(ROW_HEIGHT, Math.ceil(tallest) + ROW_PADDING),
  };
}

function common(title: string, top: number, column: LabelColumn): EChartsOption {
  return {
    // Animations would leave CSS keyframes in the SVG and a half-drawn chart in screenshots.
    animation: false,
    backgroundColor: '#fff',
    textStyle: FONT,
    title: { text: title, left: 8, top: 6, textStyle: { ...FONT, fontSize: 14, fontWeight: 'bold' } },
    // The left edge is the label column's; measured bounds would put right-aligned names at the mercy of the font.
    grid: { left: column.plotLeft, right: 90, top, bottom: PLOT_BOTTOM, outerBoundsMode: 'none' },
  };
}

const valueAxis = (name: string) => ({
  type: 'value' as const, name, nameLocation: 'middle' as const, nameGap: 24,
  axisLabel: { color: COLORS.axis }, splitLine: { lineStyle: { color: '#eee' } },
});

const categoryAxis = (names: string[], column: LabelColumn) => ({
  type: 'category' as const,
  data: names,
  // The first step at the top, as people read a timeline.
  inverse: true,
  axisTick: { show: false },
  axisLabel: {
    // Every name, whole: it starts at the picture's left edge and wraps within its column.
    interval: 0, align: 'left' as const, margin: column.plotLeft - LABEL.left,
    width: column.wrapWidth, overflow: 'break' as const, lineHeight: LINE_HEIGHT, color: COLORS.axis,
  },
});

const stepLabel = (s: Step) => `${s.group} · ${s.name}`;

function timelineOption(title: string, steps: Step[], column: LabelColumn): EChartsOption {
  const origin = earliestStart(steps);
  // A Gantt chart as two stacked bars: an invisible one up to the step's start, then the step itself.
  return {
    ...common(title, PLOT_TOP.timeline, column),
    yAxis: categoryAxis(steps.map(stepLabel), column),
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

function figuresOption(title: string, unit: string, figures: Figure[], column: LabelColumn): EChartsOption {
  // One line per distinct limit, left to right, so neighbouring labels can be staggered.
  const limits = new Map<string, { value: number; text: string }>();
  for (const f of figures) if (f.threshold) limits.set(`${f.threshold.op}${f.threshold.value}`, { value: f.threshold.value, text: formatThreshold(f) });
  const thresholds = [...limits.values()].sort((a, b) => a.value - b.value);
  const values = [...figures.map((f) => f.value), ...thresholds.map((t) => t.value)];
  const [low, high] = [Math.min(0, ...values), Math.max(0, ...values)];
  return {
    ...common(title, PLOT_TOP.figures, column),
    yAxis: categoryAxis(figures.map(figureLabel), column),
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
  const column = labelColumn(spec.kind === 'timeline' ? spec.steps.map(stepLabel) : spec.figures.map(figureLabel));
  const rows = spec.kind === 'timeline' ? spec.steps.length : spec.figures.length;
  // Two rows at least: a single bar would fill the plot and look like a block, not a bar.
  const height = PLOT_TOP[spec.kind] + PLOT_BOTTOM + 16 + Math.max(rows, 2) * column.rowHeight;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption(spec.kind === 'timeline' ? timelineOption(spec.title, spec.steps, column) : figuresOption(spec.title, spec.unit, spec.figures, column));
    return chart.renderToSVGString({ useViewBox: true });
  } finally {
    chart.dispose();
  }
}
