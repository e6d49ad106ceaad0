/**
 * `convkit explain`: replays the lectures' worked examples step by step (`explain lecture [id]`,
 * listing the notes' slips with both values) and traces ad-hoc convolutions and pools
 * (`explain conv2d --input ... --kernel ...`), as aligned text or, with --json, the structured steps.
 */
import {
  avgPool2dTrace,
  conv1dTrace,
  conv2dTrace,
  convTranspose2dTrace,
  lectureExample,
  listLectureExamples,
  maxPool2dTrace,
  renderLectureExample,
  renderTrace,
  softmaxCrossEntropyTrace,
} from '../../explain/index.js';
import type { Grid, Trace } from '../../explain/index.js';
import { intOption, numberOption, parseCommand, usage, UsageError } from '../options.js';

/** Help text of `convkit explain`. */
export const EXPLAIN_USAGE = `convkit explain <what> [options]
  lecture                 list the five lectures' worked examples by id, with one-line titles
  lecture <id>            replay one step by step; where the note printed a different value,
                          print both and the step that goes wrong
  conv1d | conv2d         trace a convolution window by window:
      --input GRID --kernel GRID [--stride N] [--padding N|valid|same|full] [--dilation N]
      [--bias B] [--flip]   (--flip: true convolution, kernel flipped; default cross-correlation)
  conv-transpose2d        --input GRID --kernel GRID [--stride N] [--padding N] [--output-padding N]
  maxpool2d | avgpool2d   --input GRID --kernel-size N [--stride N]
  softmax                 --logits 1,2,3 --target K   (softmax, cross-entropy and its gradient)
  --json                  the structured steps instead of text
GRID: rows separated by ';', values by ',' or spaces ("1,0,3; 0,3,4"), or JSON ("[[1,0],[0,1]]").
examples:
  convkit explain lecture
  convkit explain lecture seed004.conv2d-5x5
  convkit explain conv2d --input "1,0,3,0,2;0,3,4,0,2;1,0,2,0,1;8,12,0,1,0;0,6,3,2,0" --kernel "1,-1,0;0,2,-2;-1,0,2"`;

/** Parses a GRID option ("1,2;3,4", "1 2 3" or JSON) into rows of finite numbers. */
export function parseGrid(name: string, text: string | undefined): Grid {
  if (text === undefined || text.trim() === '')
    throw new UsageError(`${name} is required (rows separated by ';', values by ',')`);
  let rows: unknown;
  if (text.trim().startsWith('[')) {
    try {
      rows = JSON.parse(text);
    } catch {
      throw new UsageError(`${name} is not valid JSON: '${text}'`);
    }
    if (Array.isArray(rows) && rows.length > 0 && !Array.isArray(rows[0])) rows = [rows];
  } else
    rows = text
      .split(';')
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map((r) =>
        r
          .split(/[\s,]+/)
          .filter((v) => v !== '')
          .map(Number),
      );
  if (!Array.isArray(rows) || rows.length === 0) throw new UsageError(`${name} has no values: '${text}'`);
  const width = (rows[0] as unknown[]).length;
  (rows as unknown[][]).forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== width)
      throw new UsageError(`${name} row ${i + 1} has ${Array.isArray(r) ? r.length : 0} values, row 1 has ${width}`);
    r.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new UsageError(`${name} row ${i + 1} value ${j + 1} is not a number: '${String(v)}'`);
    });
  });
  return rows as Grid;
}

function paddingOption(v: string | undefined): number | 'valid' | 'same' | 'full' | undefined {
  if (v === undefined) return undefined;
  if (v === 'valid' || v === 'same' || v === 'full') return v;
  return intOption('--padding', v, 0);
}

const optInt = (name: string, v: string | undefined, min: number): number | undefined =>
  v === undefined ? undefined : intOption(name, v, min);

/** Runs `convkit explain`; returns the exit code. */
export async function explainCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      input: { type: 'string' },
      kernel: { type: 'string' },
      stride: { type: 'string' },
      padding: { type: 'string' },
      dilation: { type: 'string' },
      bias: { type: 'string' },
      flip: { type: 'boolean', default: false },
      'output-padding': { type: 'string' },
      'kernel-size': { type: 'string' },
      logits: { type: 'string' },
      target: { type: 'string' },
    },
    EXPLAIN_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [what, ...rest] = positionals;
  const json = values.json === true;
  const write = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  if (what === undefined)
    throw new UsageError(
      'say what to explain: lecture [id], conv1d, conv2d, conv-transpose2d, maxpool2d, avgpool2d or softmax',
    );
  if (what === 'lecture') {
    if (rest.length > 1) throw new UsageError(`explain lecture takes one id, got ${rest.length}: ${rest.join(' ')}`);
    if (rest.length === 0) {
      const list = listLectureExamples();
      if (json) write(JSON.stringify(list));
      else {
        const w = Math.max(...list.map((e) => e.id.length));
        for (const e of list)
          write(
            `${e.id.padEnd(w)}  ${e.title}${e.slips > 0 ? `  [${e.slips} slip${e.slips > 1 ? 's' : ''} in the note]` : ''}`,
          );
        write(`\n${list.length} worked examples; replay one with: convkit explain lecture <id>`);
      }
      return 0;
    }
    const ex = usage(() => lectureExample(rest[0]));
    write(json ? JSON.stringify(ex) : renderLectureExample(ex));
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}' after ${what}`);
  let trace: Trace;
  const stride = optInt('--stride', values.stride, 1);
  switch (what) {
    case 'conv1d':
    case 'conv2d': {
      const input = parseGrid('--input', values.input),
        kernel = parseGrid('--kernel', values.kernel);
      const options = {
        stride,
        padding: paddingOption(values.padding),
        dilation: optInt('--dilation', values.dilation, 1),
        bias: values.bias === undefined ? undefined : numberOption('--bias', values.bias),
        flip: values.flip === true,
      };
      if (what === 'conv1d') {
        if (input.length !== 1 || kernel.length !== 1)
          throw new UsageError('conv1d takes one row for --input and --kernel (no ";")');
        trace = usage(() => conv1dTrace(input[0], kernel[0], options));
      } else trace = usage(() => conv2dTrace(input, kernel, options));
      break;
    }
    case 'conv-transpose2d': {
      const input = parseGrid('--input', values.input),
        kernel = parseGrid('--kernel', values.kernel);
      const padding = paddingOption(values.padding);
      if (typeof padding === 'string') throw new UsageError('conv-transpose2d takes a number for --padding');
      trace = usage(() =>
        convTranspose2dTrace(input, kernel, {
          stride,
          padding,
          outputPadding: optInt('--output-padding', values['output-padding'], 0),
          dilation: optInt('--dilation', values.dilation, 1),
        }),
      );
      break;
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const input = parseGrid('--input', values.input);
      const kernelSize = intOption('--kernel-size', values['kernel-size'], 1);
      trace = usage(() => (what === 'maxpool2d' ? maxPool2dTrace : avgPool2dTrace)(input, { kernelSize, stride }));
      break;
    }
    case 'softmax': {
      const logits = parseGrid('--logits', values.logits);
      if (logits.length !== 1) throw new UsageError('--logits is one row of numbers');
      const target = intOption('--target', values.target, 0);
      trace = usage(() => softmaxCrossEntropyTrace(logits[0], target));
      break;
    }
    default:
      throw new UsageError(
        `cannot explain '${what}' (choose lecture, conv1d, conv2d, conv-transpose2d, maxpool2d, avgpool2d or softmax)`,
      );
  }
  write(json ? JSON.stringify(trace) : renderTrace(trace));
  return 0;
}
