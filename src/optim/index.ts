/** `optim`: optimizers, parameter groups, regularizers (incl. proximal L1), gradient clipping and LR schedulers. */
export { Optimizer } from './optimizer.js';
export type {
  BaseHyper,
  ParamGroup,
  ParamGroupInput,
  ParamsInput,
  ParamState,
  StateValue,
  OptimizerStateDict,
} from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDHyper, MomentumForm } from './sgd.js';
export { Adagrad } from './adagrad.js';
export type { AdagradHyper } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropHyper } from './rmsprop.js';
export { Adam, AdamW } from './adam.js';
export type { AdamHyper } from './adam.js';
export { paramGroupsWithoutDecay } from './param-groups.js';
export type { DecayGroup } from './param-groups.js';
export { l1Penalty, l2Penalty, elasticNetPenalty, maxNormConstraint_ } from './regularizers.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearWarmup,
  warmup,
  ReduceLROnPlateau,
} from './lr-scheduler.js';
export type { SchedulerStateDict, ReduceLROnPlateauOptions } from './lr-scheduler.js';
export { OneCycleLR, CyclicLR } from './cyclic-lr.js';
export type { OneCycleLROptions, CyclicLROptions } from './cyclic-lr.js';
export { proximalL1_, proximalElasticNet_, sparsity } from './proximal.js';
export type { L1Mode, SparsityReport, SparsityOptions, ParamSparsity } from './proximal.js';
