/**
 * `convkit augment`: see what an --augment spec does before training with it. `--preview`
 * writes a captioned grid of augmented training images (PNG or SVG by --out's extension; MixUp
 * and CutMix captions give the mixed label weights); `--list` prints the presets and items.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { mirrorSafe, parseAugment, AUGMENT_ITEMS, AUGMENT_PRESETS } from '../../data/augment/spec.js';
import { applyBatchTransform } from '../../data/augment/mix.js';
import { collate } from '../../data/dataset.js';
import { datasetSpec } from '../../data/registry.js';
import { SeededStream } from '../../data/seeded.js';
import { applyTransform } from '../../data/transforms.js';
import { imageGrid, type ImageData2D } from '../../plot/images.js';
import { toPng } from '../../plot/png.js';
import type { Tensor } from '../../tensor/tensor.js';
import { intOption, parseCommand, usage, UsageError } from '../options.js';

/** Help text of `convkit augment`. */
export const AUGMENT_USAGE = `convkit augment --preview --dataset NAME --augment SPEC --out grid.png [options]
convkit augment --list

  --preview         write a grid of augmented training images with their (mixed) labels
  --dataset NAME    an image classification dataset (mnist, fashion-mnist, cifar10, folder:PATH, ...)
  --data-dir DIR    where datasets that cannot ship live (cifar10, eurosat)
  --augment SPEC    a preset or a comma list of items (default standard), e.g. 'hflip,rotate=10,erase=0.25,mixup=0.2'
  --out PATH        .png or .svg (default augment-preview.png)
  --count N         images shown (default 16, at most 256)
  --seed N          seed of the augmentation draws (default 0)
  --list            print the presets and the items of SPEC
  --json            print the description and the file as JSON

presets:
${AUGMENT_PRESETS.map((p) => `  ${p.name.padEnd(15)} ${p.description}`).join('\n')}

Augmentations run on [0, 1] pixels (normalised data are un-normalised first, as torchvision's
augment-then-Normalize order); presets leave out horizontal flips on digits (mnist) and colour
items on grey images.`;

/** The presets and items of --augment, one per line (`convkit augment --list`). */
export function augmentListText(): string {
  const items = Object.entries(AUGMENT_ITEMS).map(
    ([k, d]) => `  ${(d.def === null ? k : `${k}[=${d.def}]`).padEnd(18)} ${d.help}${d.rgb ? ' (RGB only)' : ''}`,
  );
  const presets = AUGMENT_PRESETS.map((p) => `  ${p.name.padEnd(15)} = '${p.spec}'`);
  return `presets:\n${presets.join('\n')}\n\nitems (name[=value], comma-separated; later items override earlier ones):\n${items.join('\n')}\n`;
}

/** Image n of a (N, C, H, W) batch as a channel-last tile, un-normalised to [0, 1] and zoomed by an integer factor. */
function tile(x: Tensor, n: number, stats: { mean: number[]; std: number[] } | null, zoom: number): ImageData2D {
  const [, c, h, w] = x.shape;
  const channels = c === 3 ? 3 : 1;
  const W = w * zoom,
    H = h * zoom;
  const out = new Float32Array(W * H * channels);
  for (let ch = 0; ch < channels; ch++) {
    const m = stats ? (stats.mean[ch] ?? stats.mean[0]) : 0,
      s = stats ? (stats.std[ch] ?? stats.std[0]) : 1;
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        const v = x.data[((n * c + ch) * h + Math.floor(y / zoom)) * w + Math.floor(xx / zoom)] * s + m;
        out[(y * W + xx) * channels + ch] = v;
      }
  }
  return { data: out, width: W, height: H, channels: channels as 1 | 3 };
}

/** The caption of sample n: its class, or the mixed classes with their weights. */
function caption(y: Tensor, n: number, classes: readonly string[]): string {
  const name = (k: number): string => (classes[k] ?? String(k)).slice(0, 14);
  if (y.ndim === 1) return name(y.data[n]);
  const c = y.shape[1];
  const row = Array.from(y.data.subarray(n * c, (n + 1) * c));
  const top = row
    .map((p, k) => [p, k] as const)
    .filter(([p]) => p > 0.005)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 2);
  return top.map(([p, k]) => `${Math.round(p * 100)}% ${name(k)}`).join(' + ');
}

/** What augmentPreview needs (the parsed flags of --preview). */
export interface AugmentPreviewOptions {
  dataset: string;
  augment: string;
  out: string;
  count: number;
  seed: number;
  dataDir?: string;
}

/** What augmentPreview wrote. */
export interface AugmentPreviewResult {
  out: string;
  dataset: string;
  count: number;
  description: string;
}

/** Writes the preview grid of `convkit augment --preview`; errors name the flag at fault. */
export async function augmentPreview(o: AugmentPreviewOptions): Promise<AugmentPreviewResult> {
  const ext = extname(o.out).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') throw new UsageError(`--out must end in .png or .svg, got '${o.out}'`);
  const spec = usage(() => datasetSpec(o.dataset));
  if (spec.task !== 'classification')
    throw new UsageError(
      `--dataset ${spec.name} is a ${spec.task} dataset: augment previews image classification data (masks are not augmented with their images)`,
    );
  if (spec.inputShape !== null && spec.inputShape.length !== 3)
    throw new UsageError(`--dataset ${spec.name} holds ${spec.inputShape.length}-D samples, not images (C, H, W)`);
  const data = await spec.load({ limit: o.count, dataDir: o.dataDir });
  if (data.inputShape.length !== 3)
    throw new UsageError(`--dataset ${spec.name} holds samples of shape [${data.inputShape.join(', ')}], not images`);
  const aug = usage(() =>
    parseAugment(o.augment, {
      numClasses: data.numClasses,
      channels: data.inputShape[0],
      normalize: data.normalize,
      hflip: mirrorSafe(spec.name),
    }),
  );
  const n = Math.min(o.count, data.train.length);
  const batch = collate(
    data.train,
    Int32Array.from({ length: n }, (_, i) => i),
  );
  const result = new SeededStream(o.seed).run(() => {
    const x = aug.transform ? applyTransform(aug.transform, batch.x) : batch.x;
    return aug.batchTransform ? applyBatchTransform(aug.batchTransform, x, batch.y) : { x, y: batch.y };
  });
  const side = Math.max(data.inputShape[1], data.inputShape[2]);
  const zoom = Math.max(1, Math.floor(96 / side));
  const tiles = Array.from({ length: n }, (_, i) => tile(result.x, i, data.normalize, zoom));
  const svg = imageGrid(tiles, {
    captions: Array.from({ length: n }, (_, i) => caption(result.y, i, data.classes)),
    title: `${spec.name}, --augment ${o.augment} (seed ${o.seed})`,
    cell: Math.min(160, side * zoom),
  });
  await writeFile(o.out, ext === '.svg' ? svg : await toPng(svg));
  return { out: o.out, dataset: spec.name, count: n, description: aug.description };
}

/** Runs `convkit augment`; returns the exit code. */
export async function augmentCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      preview: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      dataset: { type: 'string' },
      'data-dir': { type: 'string' },
      augment: { type: 'string', default: 'standard' },
      out: { type: 'string', default: 'augment-preview.png' },
      count: { type: 'string', default: '16' },
      seed: { type: 'string', default: '0' },
    },
    AUGMENT_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.list) {
    process.stdout.write(augmentListText());
    return 0;
  }
  if (!values.preview) throw new UsageError('give --preview (write a grid of augmented images) or --list');
  if (values.dataset === undefined) throw new UsageError('--dataset is required with --preview');
  const count = intOption('--count', values.count, 1);
  if (count > 256) throw new UsageError(`--count must be at most 256, got ${count}`);
  const seed = intOption('--seed', values.seed, 0);
  const r = await augmentPreview({
    dataset: values.dataset,
    augment: values.augment as string,
    out: values.out as string,
    count,
    seed,
    dataDir: values['data-dir'],
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...r, augment: values.augment, seed })}\n`);
  } else {
    process.stdout.write(`wrote ${r.out} (${r.count} ${r.dataset} images)\naugmentation: ${r.description}\n`);
  }
  return 0;
}
