/**
 * `F`: the functional ops, named as in torch.nn.functional (camelCase, PyTorch option names).
 * Each family lives in its own file; this barrel re-exports them all.
 */
export { relu, sigmoid, tanh } from '../../tensor/ops/elementwise.js';
