import type { Figure } from './model.ts';

/** Fixed locale: reports are compared across hosts and diffed in git, so output must not follow $LANG. */
const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(value: number): string {
  return Number.isFinite(value) ? numberFormat.format(value) : String(value);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(abs / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return minutes < 60
    ? `${sign}${minutes} m ${seconds} s`
    : `${sign}${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} m`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(Math.round(value * 10) / 10)} ${units[unit]}`;
}

/** "57 count" reads badly, "91.4 %" is not how people write it. */
const DIMENSIONLESS = new Set(['', 'count']);
const NO_SPACE = new Set(['%']);

export function formatValue(value: number, unit: string): string {
  if (DIMENSIONLESS.has(unit)) return formatNumber(value);
  return `${formatNumber(value)}${NO_SPACE.has(unit) ? '' : ' '}${unit}`;
}

export function formatPercent(pct: number | null): string {
  if (pct === null) return 'n/a';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** Signed, so a comparison reads as "got slower by" without the reader subtracting. */
export function formatSigned(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  return `${value > 0 ? '+' : ''}${formatValue(value, unit)}`;
}

const OP_SYMBOL = { '<=': '≤', '>=': '≥' } as const;

export function formatThreshold(figure: Figure): string {
  return figure.threshold ? `${OP_SYMBOL[figure.threshold.op]} ${formatValue(figure.threshold.value, figure.unit)}` : '';
}

/** Labels tell apart figures of the same name (one per fault kind, client count...). */
export function figureLabel(figure: Figure): string {
  const labels = Object.entries(figure.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return labels.length ? `${figure.name} [${labels.join(', ')}]` : figure.name;
}

/**
 * The recorded verdict wins (the scenario may judge with more context than the bare number);
 * without one, the threshold decides; without a threshold the figure is informational.
 */
export function figurePassed(figure: Figure): boolean | undefined {
  if (figure.passed !== undefined) return figure.passed;
  if (!figure.threshold) return undefined;
  return figure.threshold.op === '<=' ? figure.value <= figure.threshold.value : figure.value >= figure.threshold.value;
}
