/**
 * PlotCurves: draws the learning curves (plot.learningCurves) when fit() ends, to an .svg or
 * .png file (Node) or to a function (browsers: put the SVG in the page). Where an EarlyStopping
 * callback ran, its best epoch is the one marked.
 */
import { learningCurves, type LearningCurvesOptions } from '../plot/history.js';
import { toPng } from '../plot/png.js';
import { atomicWriteFile } from '../io/atomic-write.js';
import { Callback } from './callback.js';
import { EarlyStopping } from './early-stopping.js';

/** Where the figure goes: a file path ending in .svg or .png, or a function given the SVG text. */
export type PlotTarget = string | ((svg: string) => void | Promise<void>);

/** Options of PlotCurves: the figure's (title, size, markEpoch...). */
export type PlotCurvesOptions = LearningCurvesOptions;

/** The format a plot file name asks for ('svg' or 'png'); anything else throws naming the path. */
export function plotFormat(path: string, op = 'PlotCurves'): 'svg' | 'png' {
  const m = /\.(svg|png)$/i.exec(path);
  if (!m) throw new RangeError(`${op}: '${path}' must end in .svg or .png (the figure's format)`);
  return m[1].toLowerCase() as 'svg' | 'png';
}

/** Writes the learning curves at the end of training. */
export class PlotCurves extends Callback {
  /** target: an .svg/.png path, or a function that receives the SVG. */
  constructor(
    /** An .svg/.png path, or a function that receives the SVG. */
    readonly target: PlotTarget,
    private readonly options: PlotCurvesOptions = {},
  ) {
    super();
    if (typeof target === 'string') plotFormat(target);
    this.order = 90; // after EarlyStopping has settled on its best epoch
  }

  override async onTrainEnd(): Promise<void> {
    const history = this.ctx.history;
    if (history.epoch.length === 0) return;
    const stopper = this.ctx.callbacks.find((c): c is EarlyStopping => c instanceof EarlyStopping);
    const options: LearningCurvesOptions = { ...this.options };
    if (options.markEpoch === undefined && stopper && stopper.bestEpoch >= 0) {
      options.markEpoch = stopper.bestEpoch + 1;
      options.markLabel = `early stopping: best ${stopper.monitor} at epoch ${stopper.bestEpoch + 1}`;
    }
    const svg = learningCurves(history, options);
    if (typeof this.target !== 'string') return this.target(svg);
    await atomicWriteFile(this.target, plotFormat(this.target) === 'svg' ? svg : await toPng(svg));
  }
}
