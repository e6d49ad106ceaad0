/**
 * `plot`: figures as SVG text and PNG bytes, without a DOM (Node, browsers, Web Workers):
 * learning curves, learning-rate schedules, confusion matrices, per-class accuracy, weight and
 * gradient histograms, 2-D embeddings and image grids. Each function returns an SVG document
 * with a title, labelled axes, nice ticks and a legend; toPng() rasterises it (resvg).
 * Writing files is the caller's (the CLI's `convkit plot`, train.PlotCurves).
 */
export { learningCurves, parseHistory, toHistoryData, bestEpoch } from './history.js';
export type { HistoryData, HistoryLike, LearningCurvesOptions } from './history.js';
export { lineChart, lrSchedule } from './lines.js';
export type { Series, VLine, LineChartOptions, LRScheduleOptions } from './lines.js';
export { confusionMatrix, classAccuracy } from './categorical.js';
export type { Matrix, ConfusionOptions, ClassAccuracyOptions } from './categorical.js';
export { histograms, histogramCounts, scatter } from './distributions.js';
export type { LayerValues, NamedParameters, HistogramOptions, ScatterOptions } from './distributions.js';
export { imageGrid } from './images.js';
export type { ImageData2D, ImageGridOptions } from './images.js';
export { toPng, initRenderer, svgSize } from './png.js';
export type { RendererOptions, PngOptions } from './png.js';
export { niceTicks, integerTicks } from './scale.js';
export type { Ticks } from './scale.js';
export type { FigureOptions, LegendItem } from './frame.js';
export { PALETTE } from './style.js';
