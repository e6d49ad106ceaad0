/**
 * `convkit plot FILE --out FIG.png|FIG.svg`: figures from the files convkit writes: learning
 * curves and the learning-rate schedule from a training history (JSON from History.toJSON,
 * JSON lines from `convkit train --json` or JSONLogger, CSV from `--csv`/CSVLogger), the
 * confusion matrix and per-class accuracy from `convkit eval --json` output, and weight
 * histograms per layer from a .safetensors file.
 */
import { readFileSync, statSync } from 'node:fs';
import { loadSafetensors } from '../../io/safetensors.js';
import { atomicWriteFile } from '../../io/atomic-write.js';
import { classAccuracy, confusionMatrix } from '../../plot/categorical.js';
import { histograms } from '../../plot/distributions.js';
import { learningCurves, parseHistory } from '../../plot/history.js';
import { lrSchedule } from '../../plot/lines.js';
import { svgSize, toPng } from '../../plot/png.js';
import { plotFormat } from '../../train/plot-callback.js';
import { checkOutputs } from '../output-paths.js';
import { choiceOption, CliFailure, intOption, numberOption, parseCommand, UsageError } from '../options.js';

const KINDS = ['curves', 'lr', 'confusion', 'class-accuracy', 'weights'] as const;
type Kind = (typeof KINDS)[number];

/** Help text of `convkit plot`. */
export const PLOT_USAGE = `convkit plot FILE --out FIGURE.png|FIGURE.svg [options]
  FILE               a training history (.json, .jsonl or .csv from train --json/--csv, fit's History),
                     eval --json output (confusion matrix), or a .safetensors weights file
  --out PATH         the figure to write; .png or .svg chooses the format
  --kind KIND        curves | lr | confusion | class-accuracy | weights
                     (default: curves for a history, confusion for eval output, weights for .safetensors)
  --title TEXT       the figure's title
  --width N          width in pixels, 64..8192 (height too: --height N)
  --scale X          PNG pixels per SVG pixel, (0, 8]               (default 1)
  --classes A,B,...  class names for confusion / class-accuracy
  --epoch N          the epoch to mark on the curves (default: the best valLoss; 0: none)
  --json             print {"out","kind","format","width","height","bytes"} on stdout`;

/** Largest history or eval file read (a history of 100,000 epochs is a few MiB). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** Reads FILE as text (a failure names the file). */
function readText(path: string): string {
  try {
    const size = statSync(path).size;
    if (size > MAX_TEXT_BYTES)
      throw new CliFailure(
        `${path} is ${(size / 2 ** 20).toFixed(0)} MiB: not a history or eval output (at most 64 MiB)`,
        { path },
      );
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof CliFailure) throw e;
    throw new CliFailure(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { path });
  }
}

/** The confusion matrix in eval --json output (or a bare matrix). */
function readMatrix(text: string, path: string): number[][] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CliFailure(`${path}: not JSON; --kind confusion and class-accuracy read 'convkit eval --json' output`, {
      path,
    });
  }
  const m = Array.isArray(v) ? v : (v as { confusionMatrix?: unknown } | null)?.confusionMatrix;
  if (!Array.isArray(m) || !m.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number')))
    throw new CliFailure(
      `${path}: no 'confusionMatrix' (a square array of counts) in the file; write it with convkit eval --json`,
      { path },
    );
  return m as number[][];
}

/** The kind a file asks for when --kind is not given. */
function defaultKind(path: string, text: () => string): Kind {
  if (/\.safetensors$/i.test(path)) return 'weights';
  return /"confusionMatrix"/.test(text().slice(0, 1_000_000)) ? 'confusion' : 'curves';
}

/** Runs `convkit plot`; returns the exit code. */
export async function plotCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      out: { type: 'string' },
      kind: { type: 'string' },
      title: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      scale: { type: 'string' },
      classes: { type: 'string' },
      epoch: { type: 'string' },
    },
    PLOT_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError(
      `give exactly one input file (a history, eval --json output or weights), got ${positionals.length}`,
    );
  const input = positionals[0];
  if (values.out === undefined || values.out.trim() === '')
    throw new UsageError('--out FIGURE.png or FIGURE.svg is required');
  const out = values.out;
  let format: 'svg' | 'png';
  try {
    format = plotFormat(out, '--out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const kindFlag = values.kind === undefined ? undefined : choiceOption('--kind', values.kind, KINDS);
  const size = {
    ...(values.width !== undefined ? { width: intOption('--width', values.width, 64) } : {}),
    ...(values.height !== undefined ? { height: intOption('--height', values.height, 64) } : {}),
    ...(values.title !== undefined ? { title: values.title } : {}),
  };
  for (const k of ['width', 'height'] as const)
    if ((size[k] ?? 0) > 8192) throw new UsageError(`--${k} must be at most 8192 pixels, got ${size[k]}`);
  const scale = values.scale === undefined ? 1 : numberOption('--scale', values.scale);
  if (!(scale > 0 && scale <= 8)) throw new UsageError(`--scale must be in (0, 8], got ${values.scale}`);
  const classNames = values.classes?.split(',').map((s) => s.trim());
  const epoch = values.epoch === undefined ? undefined : intOption('--epoch', values.epoch, 0);
  checkOutputs([{ flag: '--out', path: out }]);

  let cached: string | null = null;
  const text = (): string => (cached ??= readText(input));
  const kind = kindFlag ?? defaultKind(input, text);
  let svg: string;
  try {
    switch (kind) {
      case 'curves':
        svg = learningCurves(parseHistory(text(), input), {
          ...size,
          ...(epoch !== undefined ? { markEpoch: epoch === 0 ? null : epoch } : {}),
        });
        break;
      case 'lr': {
        const h = parseHistory(text(), input);
        const lr = h.metrics.lr;
        if (!lr)
          throw new CliFailure(
            `${input}: no 'lr' column; fit() logs it each epoch (train with a newer convkit or log it)`,
            { path: input },
          );
        svg = lrSchedule({ x: h.epoch, lr }, size);
        break;
      }
      case 'confusion':
        svg = confusionMatrix(readMatrix(text(), input), { ...size, ...(classNames ? { classNames } : {}) });
        break;
      case 'class-accuracy':
        svg = classAccuracy(readMatrix(text(), input), { ...size, ...(classNames ? { classNames } : {}) });
        break;
      case 'weights': {
        const { tensors } = await loadSafetensors(input);
        const layers = Object.entries(tensors)
          .filter(([, t]) => t.dtype === 'float32' && t.size > 0)
          .map(([name, t]) => ({ name, weights: t.data }))
          .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
        svg = histograms(layers, size);
        break;
      }
    }
  } catch (e) {
    if (e instanceof CliFailure || e instanceof UsageError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new CliFailure(msg.startsWith(`${input}:`) ? msg : `${input}: ${msg}`, { path: input, kind });
  }
  const bytes = format === 'svg' ? new TextEncoder().encode(svg) : await toPng(svg, { scale });
  await atomicWriteFile(out, bytes);
  const [w, h] = svgSize(svg);
  const width = format === 'png' ? Math.round(w * scale) : w;
  const height = format === 'png' ? Math.round(h * scale) : h;
  if (values.json)
    process.stdout.write(JSON.stringify({ out, kind, format, width, height, bytes: bytes.length }) + '\n');
  else
    process.stdout.write(
      `wrote ${out} (${kind}, ${width}x${height} ${format.toUpperCase()}, ${bytes.length.toLocaleString('en-US')} bytes)\n`,
    );
  return 0;
}
