/** The fully connected (affine) map y = x W^T + b, as torch.nn.functional.linear. */
import { record } from '../../autograd/engine.js';
import { getBackend } from '../../backend/index.js';
import { gpuKernels } from '../../backend/webgpu/residency.js';
import { emptyUninit, f32, f32Storage } from '../../tensor/alloc.js';
import { fmt, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectTensor } from '../../tensor/ops/check.js';

/**
 * y = x W^T + b with weight (outFeatures, inFeatures), bias (outFeatures) and x (..., inFeatures);
 * any number of leading axes. One GEMM forward, two GEMMs backward.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  expectTensor('linear', 'input', x);
  expectTensor('linear', 'weight', weight);
  if (weight.ndim !== 2)
    throw new RangeError(`linear: weight must be 2-D (outFeatures, inFeatures), got ${fmt(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0)
    throw new RangeError(`linear: input must have at least 1 axis, got a scalar (weight ${fmt(weight.shape)})`);
  const xIn = x.shape[x.ndim - 1];
  if (xIn !== inF)
    throw new RangeError(
      `linear: input ${fmt(x.shape)} has ${xIn} features but weight ${fmt(weight.shape)} expects ${inF}`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new RangeError(
      `linear: bias ${fmt(bias.shape)} must have shape [${outF}] to match weight ${fmt(weight.shape)}`,
    );
  }
  const m = sizeOf(x.shape.slice(0, -1));
  const out = emptyUninit([...x.shape.slice(0, -1), outF]);
  const od = out.storageF32,
    xd = f32Storage(x),
    wd = f32Storage(weight);
  let beta = 0;
  if (bias && gpuKernels.active) {
    // bias in every row by a broadcasting kernel (the bias stays on the GPU)
    if (m > 0) getBackend().binary('add', bias.storageF32, [1, outF], new Float32Array(1), [1, 1], od, [m, outF]);
    beta = 1;
  } else if (bias) {
    const bd = f32(bias);
    // bias in every row: one copy, then doubling copies
    if (m > 0) od.set(bd, 0);
    for (let rows = 1; rows < m; rows *= 2) od.copyWithin(rows * outF, 0, Math.min(rows, m - rows) * outF);
    beta = 1;
  }
  if (m > 0 && outF > 0) getBackend().gemm(false, true, 1, m, outF, inF, 1, xd, 0, 0, wd, 0, 0, beta, od, 0, 0);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, 'linear', inputs, (g) => {
    const gd = g.storageF32;
    let gx: Tensor | null = null,
      gw: Tensor | null = null,
      gb: Tensor | null = null;
    if (x.requiresGrad) {
      // dx = g W: (m, out) @ (out, in)
      gx = emptyUninit(x.shape);
      if (m > 0 && inF > 0)
        getBackend().gemm(false, false, 1, m, inF, outF, 1, gd, 0, 0, wd, 0, 0, 0, gx.storageF32, 0, 0);
    }
    if (weight.requiresGrad) {
      // dW = g^T x: (out, m) @ (m, in)
      gw = emptyUninit(weight.shape);
      if (outF > 0 && inF > 0)
        getBackend().gemm(true, false, 1, outF, inF, m, 1, gd, 0, 0, xd, 0, 0, 0, gw.storageF32, 0, 0);
    }
    if (bias && bias.requiresGrad) {
      // db = column sums of g: one reduce over the m rows
      gb = emptyUninit(bias.shape);
      getBackend().reduce('sum', gd, 1, m, outF, gb.storageF32);
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
