/**
 * `convkit filter <image> --kernel NAME --out out.png`: the lectures' image-filter demos
 * (box blur, Gaussian blur, the [[-0.25, 0, 0.25]] edge kernels, Sobel, sharpen...), computed
 * like scipy.ndimage.convolve(image, kernel, mode='reflect') on the grayscale image by default.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { Tensor } from '../../tensor/tensor.js';
import { applyFilter, gradientMagnitude, KERNEL_NAMES, namedKernel, type FilterMode } from '../../vision/filters.js';
import { decodeImage, imageToTensor } from '../../vision/image.js';
import { rescale, saveImage } from '../../vision/visualize.js';
import { usage, UsageError } from '../options.js';

/** Help text of `convkit filter`. */
export const FILTER_USAGE = `convkit filter <image.png|jpg> --kernel NAME [--out out.png] [options]
  --kernel NAME     ${KERNEL_NAMES.join(' | ')} | boxN | gaussianN | sobel (gradient magnitude)
  --out PATH        output PNG                       (default <image>-<kernel>.png)
  --mode MODE       symmetric | reflect | replicate | circular | zeros
                    (default symmetric = scipy.ndimage's 'reflect': d c b a | a b c d)
  --correlate       cross-correlate (no kernel flip) instead of true convolution
  --color           filter the R, G and B channels instead of the grayscale image
  --display HOW     auto | clip | abs | minmax: how responses map to [0, 1] (default auto:
                    clip for kernels summing to 1, |response| / max for edge kernels)
  --json            print the response range as JSON on stdout`;

const MODES = ['symmetric', 'reflect', 'replicate', 'circular', 'zeros'];
const DISPLAYS = ['auto', 'clip', 'abs', 'minmax'];

/** Maps a filter response to displayable [0, 1] values. */
function display(y: Tensor, how: string, kernelSum: number): Tensor {
  const mode = how === 'auto' ? (Math.abs(kernelSum - 1) < 1e-3 ? 'clip' : 'abs') : how;
  if (mode === 'clip') return y.clamp(0, 1);
  if (mode === 'minmax') return rescale(y);
  let max = 0;
  for (const v of y.data) max = Math.max(max, Math.abs(v));
  return max > 0 ? y.abs().div(max) : y.abs();
}

/** Runs `convkit filter`; returns the exit code. */
export async function filterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      kernel: { type: 'string' },
      out: { type: 'string' },
      mode: { type: 'string', default: 'symmetric' },
      correlate: { type: 'boolean', default: false },
      color: { type: 'boolean', default: false },
      display: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) { process.stdout.write(FILTER_USAGE + '\n'); return 0; }
  if (positionals.length !== 1) throw new UsageError(`filter: give exactly one image (PNG or JPEG), got ${positionals.length}`);
  const kernelName = values.kernel;
  if (kernelName === undefined) throw new UsageError(`filter: --kernel is required (${KERNEL_NAMES.join(', ')}, boxN, gaussianN, sobel)`);
  const mode = values.mode as string;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got '${mode}'`);
  const how = values.display as string;
  if (!DISPLAYS.includes(how)) throw new UsageError(`--display must be one of ${DISPLAYS.join(', ')}, got '${how}'`);
  const kernel = kernelName === 'sobel' ? null : usage(() => namedKernel(kernelName));
  const file = positionals[0];
  const image = imageToTensor(decodeImage(new Uint8Array(await readFile(file)), file), { grayscale: !values.color });
  const y = kernel === null
    ? gradientMagnitude(image, { mode: mode as FilterMode })
    : applyFilter(image, kernel, { mode: mode as FilterMode, convolution: values.correlate ? 'correlation' : 'true' });
  const kernelSum = kernel === null ? 0 : kernel.sum().item();
  const out = values.out ?? `${basename(file, extname(file))}-${kernelName}.png`;
  await saveImage(out, display(y, how, kernelSum));
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of y.data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  const [c, h, w] = image.shape;
  if (values.json) {
    process.stdout.write(JSON.stringify({ image: file, out, kernel: kernelName, mode, convolution: values.correlate ? 'correlation' : 'true', shape: [c, h, w], min, max, mean: sum / y.size }) + '\n');
  } else {
    process.stdout.write(`wrote ${out} (${w}x${h}, ${c === 1 ? 'grayscale' : 'RGB'}, kernel ${kernelName}, mode ${mode}; response ${min.toFixed(3)}..${max.toFixed(3)})\n`);
  }
  return 0;
}
