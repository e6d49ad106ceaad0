/**
 * `unet`: U-Net (Ronneberger, Fischer & Brox 2015) for image-to-image tasks. Contracting path:
 * double 3x3 conv + ReLU, then per level a 2x2 max pool and a double conv doubling the channels
 * (base, 2·base, ..., 2^depth·base). Expanding path: per level a 2x2 stride-2 transposed conv
 * halving the channels, concatenation with the contracting path's feature map of the same size
 * (the skip connection), and a double conv; a final 1x1 conv maps to outChannels. Unlike the
 * paper's valid convolutions the 3x3 convs use padding 1, so the output has the input's H and W
 * (which must be divisible by 2^depth). inChannels 1, outChannels 2, base 64, depth 4 (the
 * paper's network): 31,030,658 parameters.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concat } from '../tensor/ops/shape.js';
import { Module, Sequential } from '../nn/module.js';
import { Conv2d, ConvTranspose2d } from '../nn/layers/conv.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { ReLU } from '../nn/layers/activation.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { ModuleList } from '../nn/layers/containers.js';
import { checkPositiveInt } from './layer-plan.js';

/** Two 3x3 convolutions (padding 1), each followed by (BatchNorm and) ReLU. */
export class DoubleConv extends Sequential {
  static override readonly typeName: string = 'DoubleConv';

  /** A double conv from inChannels to outChannels; batchNorm adds BatchNorm2d before each ReLU. */
  constructor(inChannels: number, outChannels: number, batchNorm = false) {
    super();
    for (const i of [inChannels, outChannels]) {
      this.append(new Conv2d(i, outChannels, 3, { padding: 1, bias: !batchNorm }));
      if (batchNorm) this.append(new BatchNorm2d(outChannels));
      this.append(new ReLU());
    }
  }
}

/** One expanding step: transposed conv up (channels halve), concat with the skip, double conv. */
export class UNetUp extends Module {
  static override readonly typeName: string = 'UNetUp';

  /** 2x2 stride-2 transposed conv from inChannels to inChannels / 2. */
  up: ConvTranspose2d;
  /** Double conv from inChannels (skip + upsampled) to outChannels. */
  conv: DoubleConv;

  /** An up step from inChannels to outChannels (the skip must have inChannels / 2 channels). */
  constructor(inChannels: number, outChannels: number, batchNorm = false) {
    super();
    this.up = this.registerModule('up', new ConvTranspose2d(inChannels, inChannels / 2, 2, { stride: 2 }));
    this.conv = this.registerModule('conv', new DoubleConv(inChannels, outChannels, batchNorm));
  }

  /** conv(concat([skip, up(x)], channels)). */
  forward(x: Tensor, skip: Tensor): Tensor {
    const u = this.up.call(x);
    if (
      skip.ndim !== 4 ||
      skip.shape[0] !== u.shape[0] ||
      skip.shape[2] !== u.shape[2] ||
      skip.shape[3] !== u.shape[3]
    ) {
      throw new RangeError(
        `UNetUp: upsampled [${u.shape.join(', ')}] and skip [${skip.shape.join(', ')}] differ in batch or spatial size`,
      );
    }
    return this.conv.call(concat([skip, u], 1));
  }
}

/** Options of unet(). */
export interface UNetOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Output channels, e.g. classes per pixel (default 2). */
  outChannels?: number;
  /** Channels of the first level (default 64); level i has base·2^i. */
  base?: number;
  /** Number of pooling steps (default 4). */
  depth?: number;
  /** BatchNorm2d in the double convs (default false, as in the paper). */
  batchNorm?: boolean;
}

/** U-Net: (N, inChannels, H, W) → (N, outChannels, H, W). */
export class UNet extends Module {
  static override readonly typeName: string = 'UNet';

  /** First double conv (inChannels → base). */
  inc: DoubleConv;
  /** Contracting steps: max pool + double conv. */
  downs: ModuleList;
  /** Expanding steps. */
  ups: ModuleList;
  /** Final 1x1 conv to outChannels. */
  outc: Conv2d;
  /** Number of pooling steps. */
  readonly depth: number;
  /** Input channels. */
  readonly inChannels: number;

  /** Builds the U-Net (see the file comment). */
  constructor({ inChannels = 1, outChannels = 2, base = 64, depth = 4, batchNorm = false }: UNetOptions = {}) {
    super();
    checkPositiveInt('unet', 'inChannels', inChannels);
    checkPositiveInt('unet', 'outChannels', outChannels);
    checkPositiveInt('unet', 'base', base);
    checkPositiveInt('unet', 'depth', depth);
    this.depth = depth;
    this.inChannels = inChannels;
    this.inc = this.registerModule('inc', new DoubleConv(inChannels, base, batchNorm));
    const downs = new ModuleList(),
      ups = new ModuleList();
    for (let i = 0; i < depth; i++)
      downs.append(new Sequential(new MaxPool2d(2), new DoubleConv(base * 2 ** i, base * 2 ** (i + 1), batchNorm)));
    for (let i = depth; i > 0; i--) ups.append(new UNetUp(base * 2 ** i, base * 2 ** (i - 1), batchNorm));
    this.downs = this.registerModule('downs', downs);
    this.ups = this.registerModule('ups', ups);
    this.outc = this.registerModule('outc', new Conv2d(base, outChannels, 1));
  }

  /** Per-pixel outputs (N, outChannels, H, W) for x (N, inChannels, H, W). */
  forward(x: Tensor): Tensor {
    const f = 2 ** this.depth;
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels || x.shape[2] % f !== 0 || x.shape[3] % f !== 0) {
      throw new RangeError(
        `UNet: expected input (N, ${this.inChannels}, H, W) with H and W divisible by ${f} (depth ${this.depth}), got [${x.shape.join(', ')}]`,
      );
    }
    const skips: Tensor[] = [];
    let h = this.inc.call(x);
    for (const d of this.downs) {
      skips.push(h);
      h = d.call(h);
    }
    for (const u of this.ups) h = u.call(h, skips.pop() as Tensor);
    return this.outc.call(h);
  }
}

/** A U-Net (see UNet); output size = input size. */
export function unet(options: UNetOptions = {}): UNet {
  return new UNet(options);
}
