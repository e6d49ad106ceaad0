/**
 * Weight initialisers, as torch.nn.init: each fills a tensor in place (outside autograd) from
 * the seeded global generator (`manualSeed`) and returns it. Kaiming (He) initialisation keeps
 * the activation variance constant through ReLU layers; Xavier (Glorot) through tanh/linear ones.
 */
import { noGrad } from '../autograd/engine.js';
import { random, randomNormal } from '../tensor/random.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Nonlinearities known to `calculateGain` (PyTorch's names in camelCase). */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

/** Which fan Kaiming initialisation preserves: forward activations (fanIn) or gradients (fanOut). */
export type FanMode = 'fanIn' | 'fanOut';

/** Options of `kaimingUniform_` / `kaimingNormal_`. */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leakyRelu only). Default 0. */
  a?: number;
  /** Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with a = 0 this is ReLU's gain sqrt(2)). */
  nonlinearity?: Nonlinearity;
}

function floatData(op: string, t: Tensor): Float32Array {
  if (t.dtype !== 'float32')
    throw new TypeError(`${op}: expected a float32 tensor, got ${t.dtype} of shape ${fmt(t.shape)}`);
  return t.f32;
}

function fill(op: string, t: Tensor, gen: () => number): Tensor {
  const d = floatData(op, t);
  noGrad(() => {
    for (let i = 0; i < d.length; i++) d[i] = gen();
  });
  return t;
}

/** The recommended gain for a nonlinearity (param: leakyRelu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'convTranspose1d':
    case 'convTranspose2d':
    case 'convTranspose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope))
        throw new TypeError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fanIn = inputs per output unit (shape[1] * receptive field), fanOut = shape[0] * receptive
 * field, for a weight of shape (out, in, ...kernel). Needs at least 2 dimensions.
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): {
  /** Inputs per output unit: shape[1] times the receptive field size. */
  fanIn: number;
  /** Outputs per input unit: shape[0] times the receptive field size. */
  fanOut: number;
} {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2)
    throw new RangeError(
      `calculateFanInAndFanOut: fan in and fan out need a tensor with at least 2 dimensions, got shape ${fmt(shape)}`,
    );
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function kaimingStd(
  op: string,
  t: Tensor,
  { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' }: KaimingOptions,
): number {
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new RangeError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  if (fan === 0) throw new RangeError(`${op}: cannot initialise a tensor of shape ${fmt(t.shape)} with zero ${mode}`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** Fills with U(low, high). */
export function uniform_(t: Tensor, low = 0, high = 1): Tensor {
  if (!(high >= low)) throw new RangeError(`uniform_: need low <= high, got [${low}, ${high}]`);
  return fill('uniform_', t, () => low + (high - low) * random());
}

/** Fills with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return fill('normal_', t, () => mean + std * randomNormal());
}

/** Fills with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  floatData('constant_', t);
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills with zeros. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Kaiming (He) uniform: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound);
}

/** Kaiming (He) normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options));
}

/** Xavier (Glorot) uniform: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/** Xavier (Glorot) normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
