/** `train`: fit/evaluate/predict, metrics, callbacks, checkpoints and the Trainer class. */
export { fit } from './fit.js';
export type { FitOptions } from './fit.js';
export { evaluate, predict, inEvalMode } from './evaluate.js';
export type { EvaluateOptions, PredictOptions } from './evaluate.js';
export { Trainer } from './trainer.js';
export type { TrainerOptions } from './trainer.js';
export { History } from './history.js';
export { Callback } from './callback.js';
export type { Logs, TrainContext } from './callback.js';
export { EarlyStopping } from './early-stopping.js';
export type { EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint } from './model-checkpoint.js';
export type { ModelCheckpointOptions } from './model-checkpoint.js';
export { LRSchedulerCallback } from './lr-scheduler-callback.js';
export type { LRSchedulerCallbackOptions } from './lr-scheduler-callback.js';
export { CSVLogger } from './csv-logger.js';
export type { CSVLoggerOptions } from './csv-logger.js';
export { JSONLogger } from './json-logger.js';
export type { JSONLoggerOptions } from './json-logger.js';
export { ProgressBar, formatDuration, formatLogs, consoleSink } from './progress-bar.js';
export { LambdaCallback, ProgressCallback } from './lambda-callback.js';
export { PlotCurves, plotFormat } from './plot-callback.js';
export type { PlotCurvesOptions, PlotTarget } from './plot-callback.js';
export type { LambdaCallbackOptions, FitProgress } from './lambda-callback.js';
export type { ProgressBarOptions, TextSink } from './progress-bar.js';
export {
  accuracy,
  topKAccuracy,
  confusionMatrix,
  predictClasses,
  Accuracy,
  TopKAccuracy,
  Mean,
  resolveMetric,
} from './metrics.js';
export type { Metric, MetricName } from './metrics.js';
export { iou, dice, segmentationCounts, iouFromCounts, diceFromCounts, IoU, Dice } from './segmentation-metrics.js';
export type { SegmentationMetricOptions, SegmentationCounts } from './segmentation-metrics.js';
export { resolveLoss } from './losses.js';
export type { LossFn, LossName } from './losses.js';
export {
  captureCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  loadCheckpoint,
  saveWeights,
  loadWeights,
  modelTensors,
  CHECKPOINT_KEY,
} from './checkpoint.js';
export type {
  Checkpoint,
  CheckpointMeta,
  CheckpointSource,
  CheckpointTarget,
  SaveOptions,
  LoadWeightsFromFileOptions,
} from './checkpoint.js';
export { NonFiniteError, findNonFinite } from './non-finite.js';
export type { NonFiniteAt } from './non-finite.js';
export type { DataInput } from './data.js';
export { summary } from './summary.js';
export type { ModelSummary, SummaryRow, SummaryOptions } from './summary.js';
export { lrFinder, suggestLr } from './lr-finder.js';
export type { LRFinderOptions, LRFinderResult, LRSuggestion } from './lr-finder.js';
export { tune, gridConfigs, randomConfigs, configKey, optimizerFromConfig, TUNE_PARAMS } from './tune.js';
export type {
  TuneOptions,
  TuneResult,
  TrialResult,
  TrialConfig,
  ParamValue,
  SearchDim,
  TuneValidation,
} from './tune.js';
export { convArith, poolArith, convTransposeArith, layerArith } from './arith.js';
export type { ArithOptions, AxisArith, AxisSizes, LayerArith } from './arith.js';
