/**
 * `convkit arith`: the lectures' output-size and parameter questions answered with the formula
 * filled in (conv with valid/same/full padding and dilation, pooling, transposed conv), and
 * `--model NAME`: every conv/pool/linear layer of a registered model with its formulas,
 * parameters, MACs and receptive field.
 */
import { createModel, modelSpec } from '../../models/registry.js';
import {
  convArith,
  convTransposeArith,
  layerArith,
  poolArith,
  type ArithOptions,
  type LayerArith,
} from '../../train/arith.js';
import { formatCount, summary } from '../../train/summary.js';
import type { Module } from '../../nn/module.js';
import { intOption, parseCommand, usage, UsageError } from '../options.js';

/** Help text of `convkit arith`. */
export const ARITH_USAGE = `convkit arith conv  --input N --kernel K [--stride S] [--padding P|valid|same|full] [--dilation D]
                    [--in-channels C --out-channels C] [--groups G] [--no-bias] [--json]
convkit arith pool  --input N --kernel K [--stride S (default K)] [--padding P] [--dilation D] [--ceil-mode]
convkit arith convt --input N --kernel K [--stride S] [--padding P] [--output-padding P] [--dilation D]
                    [--in-channels C --out-channels C]
convkit arith --model NAME [--input-shape 1,28,28] [--classes 10] [--json]

Sizes are one number (a square n x n image; --dims 1 for a 1-D signal) or HxW (32x28). Prints the output size formula
floor((n + 2p - d(k-1) - 1)/s) + 1 with the numbers filled in, and with channels the
parameters (k*k*Cin + 1)*Cout and the multiply-accumulates.

examples:
  convkit arith conv --input 32 --kernel 5 --stride 1 --padding same --dilation 2
  convkit arith conv --input 32 --kernel 5 --in-channels 3 --out-channels 10
  convkit arith pool --input 7 --kernel 3 --stride 3
  convkit arith convt --input 4 --kernel 4 --stride 2 --padding 1
  convkit arith --model lenet5`;

const KINDS = ['conv', 'pool', 'convt'] as const;

/** '32', '32x28' or '32,28' -> [32] or [32, 28]. */
function sizeList(name: string, v: string | undefined, min: number): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(/[x,]/);
  const out = parts.map((p) => Number(p.trim()));
  if (parts.length > 2 || out.some((n, i) => parts[i].trim() === '' || !Number.isInteger(n) || n < min))
    throw new UsageError(
      `${name} must be ${min >= 1 ? 'a positive' : 'a non-negative'} integer or two of them (HxW), got '${v}'`,
    );
  return out;
}

function fmtSizes(v: readonly number[]): string {
  return v.join('x');
}

/** One value when every axis agrees (stride 2), else HxW. */
function fmtSame(v: readonly number[]): string {
  return v.every((x) => x === v[0]) ? String(v[0]) : v.join('x');
}

function fmtSameText(v: readonly string[]): string {
  return v.every((x) => x === v[0]) ? v[0] : v.join('x');
}

function padText(o: ArithOptions, r: LayerArith): string {
  const a = r.axes;
  const per = fmtSameText(
    a.map((x) => (x.padBefore === x.padAfter ? `${x.padBefore}` : `${x.padBefore}+${x.padAfter}`)),
  );
  if (o.padding === 'valid') return `'valid' (no padding)`;
  if (o.padding === 'full') return `'full' (d*(k-1) = ${per} per side: every overlap, output larger than input)`;
  if (o.padding === 'same')
    return `'same' (d*(k-1) in total, split ${per} per side; the extra cell of an even total goes after)`;
  return per;
}

function describe(kind: string, o: ArithOptions, r: LayerArith): string[] {
  const a = r.axes;
  const head = [
    `${kind}: input ${fmtSizes(a.map((x) => x.input))}`,
    `kernel ${fmtSizes(a.map((x) => x.kernel))}`,
    `stride ${fmtSame(a.map((x) => x.stride))}`,
    `padding ${padText(o, r)}`,
    `dilation ${fmtSame(a.map((x) => x.dilation))}`,
  ];
  const lines = [head.join(', ')];
  if (a.some((x) => x.dilation > 1))
    lines.push(
      `effective kernel d*(k-1) + 1 = ${[...new Set(a.map((x) => `${x.dilation}*(${x.kernel}-1) + 1 = ${x.dilation * (x.kernel - 1) + 1}`))].join('; ')}`,
    );
  const same = a.every((x) => x.formula === a[0].formula);
  const names = a.length === 2 ? ['height', 'width'] : a.map((_, i) => `axis ${i}`);
  if (same) lines.push(a[0].formula);
  else a.forEach((x, i) => lines.push(`${names[i]}: ${x.formula}`));
  a.forEach((x, i) => {
    if (x.uncovered > 0 && (same ? i === 0 : true)) {
      lines.push(
        `note: ${x.input + x.padBefore + x.padAfter - x.dilation * (x.kernel - 1) - 1} is not a multiple of the stride ${x.stride}: ` +
          `the last ${x.uncovered} cell(s) of the padded input${same || a.length === 1 ? '' : ` (${names[i]})`} fall outside every window (the floor drops them)`,
      );
    }
  });
  if (r.paramsFormula) {
    const sym =
      r.kind === 'pool'
        ? ''
        : r.kind === 'convTranspose'
          ? 'params = k*k*Cout*Cin + Cout = '
          : o.bias === false
            ? 'params = k*k*Cin*Cout = '
            : 'params = (k*k*Cin + 1)*Cout = ';
    lines.push(r.kind === 'pool' ? `params: ${r.paramsFormula}` : `${sym}${r.paramsFormula}`);
  }
  lines.push(
    `output: ${r.outputShape.join(' x ')}${r.macs !== null && r.kind !== 'pool' ? `; MACs per sample = ${formatCount(r.macs)}` : ''}`,
  );
  return lines;
}

async function modelArith(values: Record<string, string | boolean | undefined>): Promise<number> {
  const spec = usage(() => modelSpec(values.model as string));
  let inputShape = [...spec.defaultInputShape];
  if (typeof values['input-shape'] === 'string') {
    inputShape = values['input-shape'].split(',').map((s) => Number(s.trim()));
    if (inputShape.some((d) => !Number.isInteger(d) || d < 1))
      throw new UsageError(`--input-shape must be comma-separated positive integers, got '${values['input-shape']}'`);
  }
  const problem = spec.inputProblem(inputShape);
  if (problem)
    throw new UsageError(`--model ${spec.name} cannot take --input-shape ${inputShape.join(',')}: it ${problem}`);
  const numClasses =
    values.classes === undefined
      ? spec.name === 'logistic'
        ? 2
        : 10
      : intOption('--classes', values.classes as string, 2);
  const model = createModel(spec.name, { inputShape, numClasses });
  const s = summary(model, inputShape);
  const modules = new Map<string, Module>(model.namedModules());
  const layers = s.rows
    .filter((r) => !r.isContainer)
    .map((r) => {
      const m = modules.get(r.name);
      return { row: r, arith: m ? layerArith(m, r.inputShape) : null };
    });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        model: spec.name,
        inputShape: s.inputShape,
        totalParams: s.totalParams,
        totalMacs: s.totalMacs,
        layers: layers.map(({ row, arith }) => ({ ...row, arith })),
      })}\n`,
    );
    return 0;
  }
  const out = [s.text, '', `Formulas (${spec.name}, input ${s.inputShape.join('x')}):`];
  for (const { row, arith } of layers) {
    if (!arith) continue;
    out.push(`${row.name} (${row.type}): [${row.inputShape.join(', ')}] -> [${row.outputShape.join(', ')}]`);
    const a = arith.axes;
    if (a.length > 0) {
      if (a.every((x) => x.formula === a[0].formula)) out.push(`  ${a[0].formula}`);
      else a.forEach((x, i) => out.push(`  ${a.length === 2 ? ['H', 'W'][i] : `axis ${i}`}: ${x.formula}`));
    }
    if (arith.kind !== 'pool' && arith.paramsFormula) out.push(`  params = ${arith.paramsFormula}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** Runs `convkit arith`; returns the exit code. */
export async function arithCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      model: { type: 'string' },
      'input-shape': { type: 'string' },
      classes: { type: 'string' },
      input: { type: 'string' },
      kernel: { type: 'string' },
      stride: { type: 'string' },
      padding: { type: 'string' },
      dilation: { type: 'string' },
      'output-padding': { type: 'string' },
      'ceil-mode': { type: 'boolean', default: false },
      'in-channels': { type: 'string' },
      'out-channels': { type: 'string' },
      groups: { type: 'string' },
      'no-bias': { type: 'boolean', default: false },
      dims: { type: 'string' },
    },
    ARITH_USAGE,
    { positionals: true },
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (values.model !== undefined) {
    if (positionals.length > 0 || values.input !== undefined || values.kernel !== undefined)
      throw new UsageError(
        `--model takes no ${positionals[0] ?? '--input/--kernel'}: give either --model NAME or a layer kind with --input and --kernel`,
      );
    return modelArith(values);
  }
  if (positionals.length !== 1)
    throw new UsageError(
      `give one layer kind (${KINDS.join(', ')}) or --model NAME, got ${positionals.length === 0 ? 'none' : `'${positionals.join(' ')}'`}`,
    );
  const kind = positionals[0];
  if (!(KINDS as readonly string[]).includes(kind))
    throw new UsageError(`unknown layer kind '${kind}' (known: ${KINDS.join(', ')})`);
  if (values.input === undefined || values.kernel === undefined)
    throw new UsageError(`${kind} needs --input and --kernel (e.g. convkit arith ${kind} --input 32 --kernel 5)`);
  // one number is a square image (the lectures' n x n); --dims 1 for a 1-D signal
  const given = sizeList('--input', values.input, 1) as number[];
  const dims = given.length === 2 ? 2 : values.dims === undefined ? 2 : intOption('--dims', values.dims, 1);
  if (dims > 2) throw new UsageError(`--dims must be 1 or 2, got ${dims}`);
  if (given.length === 2 && values.dims !== undefined && values.dims !== '2')
    throw new UsageError(`--input ${values.input} has 2 sizes but --dims is ${values.dims}`);
  const input = given.length === dims ? given : new Array<number>(dims).fill(given[0]);
  const axisOpt = (name: string, v: string | undefined, min: number): number[] | undefined => {
    const r = sizeList(name, v, min);
    if (r && r.length !== 1 && r.length !== dims)
      throw new UsageError(`${name} has ${r.length} sizes but --input has ${dims}`);
    return r && r.length === 1 ? new Array<number>(dims).fill(r[0]) : r;
  };
  const pad = values.padding;
  const padding = pad === 'valid' || pad === 'same' || pad === 'full' ? pad : axisOpt('--padding', pad, 0);
  if (kind !== 'conv' && typeof padding === 'string')
    throw new UsageError(`--padding ${padding} is for conv only; give a number for ${kind}`);
  if (kind !== 'convt' && values['output-padding'] !== undefined)
    throw new UsageError('--output-padding is for convt (transposed convolution) only');
  if (kind !== 'pool' && values['ceil-mode']) throw new UsageError('--ceil-mode is for pool only');
  const o: ArithOptions = {
    input,
    kernel: axisOpt('--kernel', values.kernel, 1) as number[],
    stride: axisOpt('--stride', values.stride, 1),
    padding,
    dilation: axisOpt('--dilation', values.dilation, 1),
    outputPadding: axisOpt('--output-padding', values['output-padding'], 0),
    ceilMode: values['ceil-mode'],
    inChannels: values['in-channels'] === undefined ? undefined : intOption('--in-channels', values['in-channels'], 1),
    outChannels:
      values['out-channels'] === undefined ? undefined : intOption('--out-channels', values['out-channels'], 1),
    groups: values.groups === undefined ? undefined : intOption('--groups', values.groups, 1),
    bias: !values['no-bias'],
  };
  if (kind === 'pool' && o.outChannels !== undefined)
    throw new UsageError('--out-channels is for conv and convt; a pool keeps the channels (--in-channels)');
  let r: LayerArith;
  try {
    r = kind === 'conv' ? convArith(o) : kind === 'pool' ? poolArith(o) : convTransposeArith(o);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ layer: kind, ...r })}\n`);
  else process.stdout.write(`${describe(kind, o, r).join('\n')}\n`);
  return 0;
}
