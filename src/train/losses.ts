/** Loss functions by name for fit()/evaluate(): a name or any (output, target) => scalar function. */
import { binaryCrossEntropyWithLogits, crossEntropy } from '../nn/functional/loss-classification.js';
import { mseLoss } from '../nn/functional/loss-regression.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** A loss: model output and targets to a scalar (mean over the batch). */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** Loss names: 'crossEntropy' (logits + int labels), 'bceWithLogits' (one logit + 0/1 labels), 'mse'. */
export type LossName =
  | 'crossEntropy'
  | 'sparseCategoricalCrossentropy'
  | 'bceWithLogits'
  | 'binaryCrossEntropyWithLogits'
  | 'mse';

/** Binary cross-entropy on logits of shape [N] or [N, 1] against 0/1 labels. */
function bceWithLogits(output: Tensor, target: Tensor): Tensor {
  if (output.size !== target.size)
    throw new RangeError(
      `bceWithLogits: output ${fmt(output.shape)} needs one logit per target, got target ${fmt(target.shape)}`,
    );
  const t = target.dtype === 'float32' ? target : target.float();
  return binaryCrossEntropyWithLogits(output, t.reshape([...output.shape]));
}

/** Mean squared error; integer targets are converted to float and reshaped to the output. */
function mse(output: Tensor, target: Tensor): Tensor {
  const t = target.dtype === 'float32' ? target : target.float();
  return mseLoss(output, t.size === output.size ? t.reshape([...output.shape]) : t);
}

/** Resolves a loss name (or returns a function unchanged). */
export function resolveLoss(loss: LossName | LossFn | undefined): LossFn {
  if (loss === undefined) return (o, t) => crossEntropy(o, t);
  if (typeof loss === 'function') return loss;
  switch (loss) {
    case 'crossEntropy':
    case 'sparseCategoricalCrossentropy':
      return (o, t) => crossEntropy(o, t);
    case 'bceWithLogits':
    case 'binaryCrossEntropyWithLogits':
      return bceWithLogits;
    case 'mse':
      return mse;
    default:
      throw new RangeError(
        `loss: unknown loss '${String(loss)}' (known: crossEntropy, bceWithLogits, mse, or pass a function)`,
      );
  }
}
