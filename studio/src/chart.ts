/**
 * Live line charts for the studio (uPlot): a chart of several series against a shared x axis
 * (the training step), appended to as training runs and redrawn at most once per frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A line chart that grows as points arrive. */
export interface LiveChart {
  node: HTMLElement;
  /** Adds one x with a value (or null: no point) per series. */
  push(x: number, ys: readonly (number | null)[]): void;
  /** Forgets every point. */
  clear(): void;
  /** The points so far: [xs, ...series]. */
  data(): (number | null)[][];
  destroy(): void;
}

const COLORS = ['#2357c6', '#d1495b', '#00798c', '#edae49', '#66a182'];

/** A live chart titled `title` with the series' labels; `yRange` fixes the y axis (e.g. [0, 1] for accuracy). */
export function liveChart(
  title: string,
  xLabel: string,
  series: readonly string[],
  { yRange, testid }: { yRange?: [number, number]; testid?: string } = {},
): LiveChart {
  const node = document.createElement('div');
  node.className = 'chart';
  if (testid) node.dataset.testid = testid;
  const cols: (number | null)[][] = [[], ...series.map(() => [])];
  const width = (): number => Math.max(260, Math.min(560, (node.parentElement?.clientWidth ?? 560) - 8));
  const plot = new uPlot(
    {
      title,
      width: 480,
      height: 220,
      scales: { x: { time: false }, ...(yRange ? { y: { range: yRange } } : {}) },
      axes: [{ label: xLabel }, {}],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({ label: s, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true })),
      ],
    },
    cols as uPlot.AlignedData,
    node,
  );
  let pending = false;
  const redraw = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (plot.width !== width()) plot.setSize({ width: width(), height: 220 });
      plot.setData(cols as uPlot.AlignedData);
    });
  };
  return {
    node,
    push(x, ys) {
      cols[0].push(x);
      ys.forEach((y, i) => cols[i + 1].push(y));
      node.dataset.points = String(cols[0].length);
      redraw();
    },
    clear() {
      for (const c of cols) c.length = 0;
      node.dataset.points = '0';
      redraw();
    },
    data: () => cols.map((c) => [...c]),
    destroy: () => plot.destroy(),
  };
}
