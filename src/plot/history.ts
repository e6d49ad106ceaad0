/**
 * Learning curves: training history in any of the forms convkit writes (History / its toJSON,
 * CSVLogger's CSV, JSONLogger's JSON lines, `convkit train --json` records) read into one shape,
 * and the loss and accuracy figure drawn from it with the early-stopping epoch marked.
 */
import { figureSize, grid, panel, svgDocument, type FigureOptions } from './frame.js';
import { linePanel, type Series, type VLine } from './lines.js';

/** Per-epoch values: `epoch` counts from 1; every metric has one value per epoch (NaN for none). */
export interface HistoryData {
  /** Epoch numbers (from 1). */
  epoch: number[];
  /** Values per metric name, one per epoch (NaN for none). */
  metrics: Record<string, number[]>;
}

/** What learningCurves accepts: a History (or its toJSON()), or HistoryData. */
export type HistoryLike =
  | HistoryData
  | {
      /** Epoch numbers. */
      epoch: readonly number[];
      /** Values per metric name, one per epoch (null for none). */
      history: Readonly<Record<string, readonly (number | null)[]>>;
    };

// `convkit train --json` names -> fit()'s names
const CLI_NAMES: Record<string, string> = { trainLoss: 'loss', trainAccuracy: 'accuracy' };

/** Normalises a History (0-based epochs) or HistoryData to HistoryData. */
export function toHistoryData(h: HistoryLike): HistoryData {
  if ('metrics' in h) return h;
  const metrics: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(h.history)) metrics[k] = v.map((x) => (x === null ? NaN : x));
  return { epoch: h.epoch.map((e) => e + 1), metrics };
}

/** Rows of {epoch, ...values}; `oneBased` says whether the epoch column counts from 1. */
function fromRows(rows: Record<string, unknown>[], where: string): HistoryData {
  if (rows.length === 0) throw new RangeError(`${where}: no epochs in the history`);
  const cli = rows.some((r) => 'trainLoss' in r);
  const epoch: number[] = [];
  const metrics: Record<string, number[]> = {};
  rows.forEach((r, i) => {
    const e = r.epoch;
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 0)
      throw new RangeError(`${where}: row ${i + 1} has no integer 'epoch' (got ${JSON.stringify(e)})`);
    epoch.push(cli ? e : e + 1);
    for (const [k0, v] of Object.entries(r)) {
      if (k0 === 'epoch') continue;
      if (v !== null && typeof v !== 'number') continue;
      const k = cli ? (CLI_NAMES[k0] ?? k0) : k0;
      if (!(k in metrics)) metrics[k] = new Array<number>(i).fill(NaN);
      metrics[k].push(v === null ? NaN : v);
    }
    for (const arr of Object.values(metrics)) if (arr.length === i) arr.push(NaN);
  });
  return { epoch, metrics };
}

/**
 * Reads a history file's text: History.toJSON() JSON ({epoch: [...], history: {...}}), a JSON
 * array of per-epoch objects, JSON lines (JSONLogger, `convkit train --json`) or CSV (CSVLogger:
 * an 'epoch' column first). Errors name `where` (the file) and the line or field at fault.
 */
export function parseHistory(textIn: string, where = 'history'): HistoryData {
  const t = textIn.replace(/^\uFEFF/, '').trim();
  if (t === '') throw new RangeError(`${where}: the file is empty`);
  if (t.startsWith('{') || t.startsWith('[')) {
    let whole: unknown;
    try {
      whole = JSON.parse(t);
    } catch {
      whole = undefined;
    }
    if (whole !== undefined) {
      if (Array.isArray(whole)) return fromRows(whole as Record<string, unknown>[], where);
      const o = whole as { epoch?: unknown; history?: unknown };
      if (Array.isArray(o.epoch) && o.history && typeof o.history === 'object') {
        const h = o.history as Record<string, unknown>;
        for (const [k, v] of Object.entries(h))
          if (!Array.isArray(v) || v.length !== o.epoch.length || v.some((x) => x !== null && typeof x !== 'number'))
            throw new RangeError(`${where}: history.${k} must be ${o.epoch.length} numbers (one per epoch)`);
        if (o.epoch.some((e) => typeof e !== 'number')) throw new RangeError(`${where}: 'epoch' must hold numbers`);
        return toHistoryData(o as { epoch: number[]; history: Record<string, (number | null)[]> });
      }
      return fromRows([whole as Record<string, unknown>], where);
    }
    // JSON lines
    const rows = t.split(/\r?\n/).flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        const r = JSON.parse(line) as unknown;
        if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not an object');
        return [r as Record<string, unknown>];
      } catch {
        throw new RangeError(`${where}: line ${i + 1} is not a JSON object: ${line.slice(0, 60)}`);
      }
    });
    return fromRows(rows, where);
  }
  // CSV
  const lines = t.split(/\r?\n/).filter((l) => l.trim() !== '');
  const sep = lines[0].includes(',') ? ',' : lines[0].includes(';') ? ';' : '\t';
  const head = lines[0].split(sep).map((s) => s.trim());
  if (head[0] !== 'epoch')
    throw new RangeError(
      `${where}: not a history: JSON, JSON lines, or CSV with an 'epoch' column first (got '${head[0]}')`,
    );
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(sep);
    if (cells.length !== head.length)
      throw new RangeError(`${where}: line ${i + 2} has ${cells.length} fields, the header ${head.length}`);
    const r: Record<string, unknown> = {};
    head.forEach((k, j) => {
      const c = cells[j].trim();
      const v = c === '' || c.toLowerCase() === 'nan' ? NaN : Number(c);
      if (Number.isNaN(v) && c !== '' && c.toLowerCase() !== 'nan')
        throw new RangeError(`${where}: line ${i + 2}, column '${k}': '${c}' is not a number`);
      r[k] = Number.isNaN(v) ? null : v;
    });
    return r;
  });
  return fromRows(rows, where);
}

/** The epoch with the best value of `key` (lowest; highest for accuracy), 1-based, or null. */
export function bestEpoch(h: HistoryData, key: string, mode?: 'min' | 'max'): number | null {
  const v = h.metrics[key];
  if (!v) return null;
  const m = mode ?? (/acc/i.test(key) ? 'max' : 'min');
  let best = -1;
  for (let i = 0; i < v.length; i++)
    if (Number.isFinite(v[i]) && (best < 0 || (m === 'min' ? v[i] < v[best] : v[i] > v[best]))) best = i;
  return best < 0 ? null : h.epoch[best];
}

/** Options of learningCurves. */
export interface LearningCurvesOptions extends FigureOptions {
  /**
   * The epoch to mark (1-based) as where early stopping kept the weights; default: the best
   * 'valLoss' epoch when validation loss was logged; null: no mark.
   */
  markEpoch?: number | null;
  /** Label of the mark (default 'best valLoss (early stopping)'). */
  markLabel?: string;
  /** y-axis label of the loss panel (default 'loss (mean per sample)'). */
  lossLabel?: string;
}

const PAIRS: readonly [string, string, boolean][] = [
  ['loss', 'train', false],
  ['valLoss', 'validation', true],
  ['testLoss', 'test', true],
];

/**
 * Train/validation/test loss and (when logged) accuracy per epoch, side by side, as an SVG
 * document. The early-stopping epoch (the best validation loss) is marked in both panels.
 */
export function learningCurves(history: HistoryLike, options: LearningCurvesOptions = {}): string {
  const h = toHistoryData(history);
  if (h.epoch.length === 0) throw new RangeError('plot.learningCurves: the history has no epochs');
  const loss: Series[] = [];
  const acc: Series[] = [];
  PAIRS.forEach(([k, label, dashed], i) => {
    const v = h.metrics[k];
    if (v && v.some(Number.isFinite))
      loss.push({ name: `${label} loss`, x: h.epoch, y: v, dashed, color: ['#1f77b4', '#ff7f0e', '#2ca02c'][i] });
    const ak = k === 'loss' ? 'accuracy' : k.replace('Loss', 'Accuracy');
    const a = h.metrics[ak];
    if (a && a.some(Number.isFinite))
      acc.push({
        name: `${label} accuracy`,
        x: h.epoch,
        y: a.map((x) => x * 100),
        dashed,
        color: ['#1f77b4', '#ff7f0e', '#2ca02c'][i],
      });
  });
  if (loss.length === 0)
    throw new RangeError(
      `plot.learningCurves: no 'loss', 'valLoss' or 'testLoss' in the history (it has: ${Object.keys(h.metrics).join(', ') || 'nothing'})`,
    );
  const mark = options.markEpoch === undefined ? bestEpoch(h, 'valLoss', 'min') : options.markEpoch;
  const vlines: VLine[] =
    mark === null ? [] : [{ x: mark, label: options.markLabel ?? `best valLoss: epoch ${mark}`, color: '#d62728' }];
  const [w, h2] = figureSize(options, acc.length > 0 ? 1000 : 600, 460);
  const rects = grid(w, h2, acc.length > 0 ? 2 : 1, 2);
  const common = { xLabel: 'epoch', integerX: true, vlines, legendAt: 'bottom' as const };
  let content = panel(
    rects[0],
    linePanel(loss, { ...common, yLabel: options.lossLabel ?? 'loss (mean per sample)', subtitle: 'Loss' }),
  );
  if (acc.length > 0)
    content += panel(rects[1], linePanel(acc, { ...common, yLabel: 'accuracy (%)', subtitle: 'Accuracy' }));
  return svgDocument(w, h2, options.title ?? 'Learning curves', content);
}
