/** `nn`: the Module base class, the layers and the weight initialisers. */
export { Module, Sequential } from './module.js';
export { setInferenceFusion, inferenceFusionEnabled } from './fusion.js';
export { Parameter, isParameter } from './parameter.js';
export type { ParameterConstructor } from './parameter.js';
export type {
  StateDict,
  StateDictLike,
  LoadStateDictOptions,
  LoadStateDictResult,
  ForwardHook,
  ForwardPreHook,
  HookHandle,
} from './module.js';
export * from './layers/index.js';
/** Weight initialisers, as torch.nn.init: each fills a tensor in place from the seeded generator and returns it. */
export * as init from './init.js';
