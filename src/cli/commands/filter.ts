/**
 * `convkit filter <image> --kernel NAME --out out.png`: the lectures' image-filter demos
 * (box blur, Gaussian blur, the [[-0.25, 0, 0.25]] edge kernels, Sobel, sharpen...), computed
 * like scipy.ndimage.convolve(image, kernel, mode='reflect') on the grayscale image by default.
 * The output format follows --out's extension (.png, .jpg, .jpeg), checked before any work;
 * transparent pixels are composited onto --background; long work reports progress on stderr.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { Tensor } from '../../tensor/tensor.js';
import { applyFilter, gradientMagnitude, KERNEL_NAMES, namedKernel, type FilterMode } from '../../vision/filters.js';
import {
  decodeImage,
  imageDimensions,
  imageFormatForPath,
  imageToTensor,
  type ImageBackground,
} from '../../vision/image.js';
import { progressReporter } from '../../vision/progress.js';
import { rescale, saveImage } from '../../vision/visualize.js';
import { usage, UsageError, parseCommand } from '../options.js';

/** Help text of `convkit filter`. */
export const FILTER_USAGE = `convkit filter <image.png|jpg> --kernel NAME [--out out.png] [options]
  --kernel NAME     ${KERNEL_NAMES.join(' | ')} | boxN | gaussianN | sobel (gradient magnitude)
  --out PATH        output image, PNG or JPEG by its extension (.png, .jpg, .jpeg)
                                                     (default <image>-<kernel>.png)
  --mode MODE       symmetric | reflect | replicate | circular | zeros
                    (default symmetric = scipy.ndimage's 'reflect': d c b a | a b c d)
  --correlate       cross-correlate (no kernel flip) instead of true convolution
  --color           filter the R, G and B channels instead of the grayscale image
  --background BG   auto | white | black: what transparent pixels become (default auto:
                    white under dark ink, black under light ink)
  --display HOW     auto | clip | abs | minmax: how responses map to [0, 1] (default auto:
                    clip for kernels summing to 1, |response| / max for edge kernels)
  --json            print the response range as JSON on stdout`;

const MODES = ['symmetric', 'reflect', 'replicate', 'circular', 'zeros'];
const DISPLAYS = ['auto', 'clip', 'abs', 'minmax'];
const BACKGROUNDS = ['auto', 'white', 'black'];
/** Images from this many pixels get progress messages from the start (each step takes seconds). */
const LARGE_IMAGE_PIXELS = 10_000_000;

/** Maps a filter response to displayable [0, 1] values, in place (no second copy of a large image). */
function display(y: Tensor, how: string, kernelSum: number): Tensor {
  const mode = how === 'auto' ? (Math.abs(kernelSum - 1) < 1e-3 ? 'clip' : 'abs') : how;
  if (mode === 'minmax') return rescale(y);
  const src = y.data,
    out = src;
  if (mode === 'clip') {
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      out[i] = v > 1 ? 1 : v > 0 ? v : 0;
    }
    return new Tensor(out, y.shape);
  }
  let max = 0;
  for (const v of src) max = Math.max(max, Math.abs(v));
  for (let i = 0; i < src.length; i++) out[i] = max > 0 ? Math.abs(src[i]) / max : Math.abs(src[i]);
  return new Tensor(out, y.shape);
}

/** Fails before any work when out cannot be written: a missing or read-only folder, or a folder in its place. */
async function checkWritable(out: string): Promise<void> {
  const folder = dirname(resolve(out));
  const st = await stat(folder).catch(() => null);
  if (!st || !st.isDirectory()) throw new Error(`cannot write --out ${out}: the folder ${folder} does not exist`);
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new Error(`cannot write --out ${out}: it is a folder`);
  await access(folder, constants.W_OK).catch(() => {
    throw new Error(`cannot write --out ${out}: the folder ${folder} is not writable`);
  });
}

/** Runs `convkit filter`; returns the exit code. */
export async function filterCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      kernel: { type: 'string' },
      out: { type: 'string' },
      mode: { type: 'string', default: 'symmetric' },
      correlate: { type: 'boolean', default: false },
      color: { type: 'boolean', default: false },
      background: { type: 'string', default: 'auto' },
      display: { type: 'string', default: 'auto' },
    },
    FILTER_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`give exactly one image (PNG or JPEG), got ${positionals.length}`);
  const kernelName = values.kernel;
  if (kernelName === undefined)
    throw new UsageError(`--kernel is required (${KERNEL_NAMES.join(', ')}, boxN, gaussianN, sobel)`);
  const mode = values.mode as string;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${mode}'`);
  const how = values.display as string;
  if (!DISPLAYS.includes(how)) throw new UsageError(`--display must be one of ${DISPLAYS.join(', ')}, got '${how}'`);
  const background = values.background as string;
  if (!BACKGROUNDS.includes(background))
    throw new UsageError(`--background must be one of ${BACKGROUNDS.join(', ')}, got '${background}'`);
  const kernel = kernelName === 'sobel' ? null : usage(() => namedKernel(kernelName));
  const file = positionals[0];
  const out = values.out ?? `${basename(file, extname(file))}-${kernelName}.png`;
  try {
    imageFormatForPath(out);
  } catch (e) {
    throw new UsageError(`--out ${e instanceof Error ? e.message : String(e)}`);
  }
  await checkWritable(out);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e)}`);
  }
  // Images this large take more than a few seconds at every step: say so from the start.
  const dims = imageDimensions(bytes);
  const eager = dims !== null && dims.width * dims.height >= LARGE_IMAGE_PIXELS;
  const progress = progressReporter(`filter ${file}`, (t) => process.stderr.write(t), {
    tty: process.stderr.isTTY === true,
    eager,
  });
  progress.stage(
    dims
      ? `decoding ${dims.width}x${dims.height} (${((dims.width * dims.height) / 1e6).toFixed(0)} megapixels)`
      : 'decoding',
  );
  const image = imageToTensor(decodeImage(bytes, file), {
    grayscale: !values.color,
    background: background as ImageBackground,
  });
  const [c, h, w] = image.shape;
  progress.stage('filtering');
  const y =
    kernel === null
      ? gradientMagnitude(image, { mode: mode as FilterMode, onProgress: progress })
      : applyFilter(image, kernel, {
          mode: mode as FilterMode,
          convolution: values.correlate ? 'correlation' : 'true',
          onProgress: progress,
        });
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (const v of y.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const kernelSum = kernel === null ? 0 : kernel.sum().item();
  progress.stage(`writing ${out}`);
  await saveImage(out, display(y, how, kernelSum));
  progress.finish();
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        image: file,
        out,
        kernel: kernelName,
        mode,
        convolution: values.correlate ? 'correlation' : 'true',
        shape: [c, h, w],
        min,
        max,
        mean: sum / y.size,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `wrote ${out} (${w}x${h}, ${c === 1 ? 'grayscale' : 'RGB'}, kernel ${kernelName}, mode ${mode}; response ${min.toFixed(3)}..${max.toFixed(3)})\n`,
    );
  }
  return 0;
}
