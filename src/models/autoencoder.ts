/**
 * `autoencoder`: a convolutional autoencoder — the encoder squeezes an image to a small latent
 * code, the decoder reconstructs the image from it; trained with output = input (e.g. MSE),
 * after which the encoder serves as a feature extractor. Encoder: per stage a Conv2d 3x3
 * stride 2 padding 1 (halving H and W) + ReLU, then flatten → Linear to `latent`. Decoder: Linear
 * → ReLU → unflatten, per stage a ConvTranspose2d 3x3 stride 2 padding 1 outputPadding 1
 * (doubling H and W), ReLU between and a sigmoid at the end (pixels in [0, 1]). H and W must be
 * divisible by 2^stages. `latent: null` keeps the bottleneck convolutional (no Linear layers).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module, Sequential } from '../nn/module.js';
import { Conv2d, ConvTranspose2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { ReLU, Sigmoid } from '../nn/layers/activation.js';
import { Flatten, Unflatten } from '../nn/layers/flatten.js';
import { checkPositiveInt } from './layer-plan.js';

/** Options of autoencoder(). */
export interface AutoencoderOptions {
  /** Shape of one image [C, H, W] (default [1, 28, 28]). */
  inputShape?: readonly number[];
  /** Size of the latent code (default 32); null: no Linear layers, the code is the last feature map. */
  latent?: number | null;
  /** Channels of the encoder stages (default [16, 32]); the decoder mirrors them. */
  channels?: readonly number[];
  /** Final activation: 'sigmoid' (default, pixels in [0, 1]) or 'none'. */
  outputActivation?: 'sigmoid' | 'none';
}

/** An encoder-decoder pair whose forward reconstructs its input. */
export class Autoencoder extends Module {
  static override readonly typeName: string = 'Autoencoder';

  /** Image (N, C, H, W) → code (N, latent), or a feature map when latent is null. */
  encoder: Sequential;
  /** Code → reconstructed image (N, C, H, W). */
  decoder: Sequential;
  /** The image shape [C, H, W] it was built for. */
  readonly inputShape: readonly number[];
  /** The shape of one code: [latent] or [channels, H / 2^stages, W / 2^stages]. */
  readonly codeShape: readonly number[];

  /** Builds the autoencoder (see the file comment). */
  constructor({
    inputShape = [1, 28, 28],
    latent = 32,
    channels = [16, 32],
    outputActivation = 'sigmoid',
  }: AutoencoderOptions = {}) {
    super();
    if (inputShape.length !== 3)
      throw new RangeError(`autoencoder: inputShape must be [C, H, W], got [${inputShape.join(', ')}]`);
    const [c, h, w] = inputShape;
    inputShape.forEach((d, i) => checkPositiveInt('autoencoder', `inputShape[${i}]`, d));
    if (channels.length === 0) throw new RangeError('autoencoder: channels must list at least one stage');
    channels.forEach((d, i) => checkPositiveInt('autoencoder', `channels[${i}]`, d));
    if (latent !== null) checkPositiveInt('autoencoder', 'latent', latent);
    if (outputActivation !== 'sigmoid' && outputActivation !== 'none')
      throw new RangeError(
        `autoencoder: outputActivation must be 'sigmoid' or 'none', got '${String(outputActivation)}'`,
      );
    const f = 2 ** channels.length;
    if (h % f !== 0 || w % f !== 0) {
      throw new RangeError(
        `autoencoder: image ${h}x${w} must be divisible by ${f} (${channels.length} stride-2 stages)`,
      );
    }
    const last = channels[channels.length - 1],
      hb = h / f,
      wb = w / f;
    const enc = new Sequential();
    let inC = c;
    for (const out of channels) {
      enc.append(new Conv2d(inC, out, 3, { stride: 2, padding: 1 })).append(new ReLU());
      inC = out;
    }
    const dec = new Sequential();
    if (latent !== null) {
      enc.append(new Flatten()).append(new Linear(last * hb * wb, latent));
      dec
        .append(new Linear(latent, last * hb * wb))
        .append(new ReLU())
        .append(new Unflatten(1, [last, hb, wb]));
    }
    const ups = [...channels].reverse();
    ups.forEach((ch, i) => {
      const out = i + 1 < ups.length ? ups[i + 1] : c;
      dec.append(new ConvTranspose2d(ch, out, 3, { stride: 2, padding: 1, outputPadding: 1 }));
      if (i + 1 < ups.length) dec.append(new ReLU());
    });
    if (outputActivation === 'sigmoid') dec.append(new Sigmoid());
    this.encoder = this.registerModule('encoder', enc);
    this.decoder = this.registerModule('decoder', dec);
    this.inputShape = Object.freeze([c, h, w]);
    this.codeShape = Object.freeze(latent === null ? [last, hb, wb] : [latent]);
  }

  /** The latent code of x. */
  encode(x: Tensor): Tensor {
    return this.encoder.call(x);
  }

  /** The image reconstructed from a code. */
  decode(z: Tensor): Tensor {
    return this.decoder.call(z);
  }

  /** decode(encode(x)), same shape as x. */
  forward(x: Tensor): Tensor {
    const s = this.inputShape;
    if (x.ndim !== 4 || x.shape[1] !== s[0] || x.shape[2] !== s[1] || x.shape[3] !== s[2]) {
      throw new RangeError(`Autoencoder: expected input (N, ${s.join(', ')}), got [${x.shape.join(', ')}]`);
    }
    return this.decode(this.encode(x));
  }
}

/** A convolutional autoencoder for images of inputShape (see Autoencoder). */
export function autoencoder(options: AutoencoderOptions = {}): Autoencoder {
  return new Autoencoder(options);
}
