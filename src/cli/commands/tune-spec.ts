/**
 * `convkit tune`'s search spaces: --grid 'lr=1e-3,1e-2;batch-size=32,64' and --space
 * 'lr=log:1e-4..1e-1;dropout=0..0.5;optimizer=adam,sgd' parsed into train.tune's grids and random
 * dimensions, and the model a configuration asks for. width, depth and dropout apply to mlp, whose
 * hidden layers they set (depth layers of width units, dropout after each); the other zoo models
 * have no such options in the registry, so asking for them is an error.
 */
import { mlp } from '../../models/mlp.js';
import { createModel, type ModelOptions } from '../../models/registry.js';
import type { Module } from '../../nn/module.js';
import type { ParamValue, SearchDim, TrialConfig } from '../../train/tune.js';
import { UsageError } from '../options.js';

/** CLI names of the hyper-parameters (kebab-case, as the flags of convkit train) → train.tune's names. */
export const CLI_PARAMS: Readonly<Record<string, string>> = {
  lr: 'lr',
  'batch-size': 'batchSize',
  'weight-decay': 'weightDecay',
  momentum: 'momentum',
  optimizer: 'optimizer',
  epochs: 'epochs',
  width: 'width',
  depth: 'depth',
  dropout: 'dropout',
};

const INTEGER = new Set(['batchSize', 'epochs', 'width', 'depth']);
const MODEL_PARAMS = ['width', 'depth', 'dropout'];

/** The CLI name of a train.tune name (for tables and files). */
export function cliName(name: string): string {
  return Object.keys(CLI_PARAMS).find((k) => CLI_PARAMS[k] === name) ?? name;
}

function paramName(flag: string, item: string): [string, string] {
  const eq = item.indexOf('=');
  if (eq < 1) throw new UsageError(`${flag}: '${item}' is not NAME=VALUES (e.g. lr=1e-3,1e-2)`);
  const cli = item.slice(0, eq).trim();
  const name = CLI_PARAMS[cli];
  if (!name)
    throw new UsageError(`${flag}: unknown hyper-parameter '${cli}' (known: ${Object.keys(CLI_PARAMS).join(', ')})`);
  return [name, item.slice(eq + 1).trim()];
}

function value(flag: string, name: string, text: string): ParamValue {
  if (name === 'optimizer') {
    if (!['adam', 'adamw', 'sgd'].includes(text))
      throw new UsageError(`${flag}: optimizer must be adam, adamw or sgd, got '${text}'`);
    return text;
  }
  const n = Number(text);
  if (text === '' || !Number.isFinite(n))
    throw new UsageError(`${flag}: ${cliName(name)} value '${text}' is not a number`);
  if (INTEGER.has(name) && !Number.isInteger(n))
    throw new UsageError(`${flag}: ${cliName(name)} must be a whole number, got '${text}'`);
  return n;
}

function items(flag: string, spec: string): string[] {
  const list = spec
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new UsageError(`${flag} is empty; e.g. ${flag} 'lr=1e-3,1e-2;batch-size=32,64'`);
  return list;
}

/** Parses --grid: NAME=V1,V2,...; items separated by ';'. */
export function parseGrid(spec: string): Record<string, ParamValue[]> {
  const out: Record<string, ParamValue[]> = {};
  for (const item of items('--grid', spec)) {
    const [name, rest] = paramName('--grid', item);
    if (name in out) throw new UsageError(`--grid: '${cliName(name)}' is given twice`);
    out[name] = rest.split(',').map((v) => value('--grid', name, v.trim()));
  }
  return out;
}

/** Parses --space: NAME=V1,V2 (choices), NAME=LO..HI (uniform) or NAME=log:LO..HI (log-uniform). */
export function parseSpace(spec: string): Record<string, SearchDim> {
  const out: Record<string, SearchDim> = {};
  for (const item of items('--space', spec)) {
    const [name, rest] = paramName('--space', item);
    if (name in out) throw new UsageError(`--space: '${cliName(name)}' is given twice`);
    const m = /^(log:)?([^.]+(?:\.\d+)?(?:e-?\d+)?)\.\.(.+)$/i.exec(rest);
    if (!m || name === 'optimizer') {
      out[name] = { values: rest.split(',').map((v) => value('--space', name, v.trim())) };
      continue;
    }
    const min = value('--space', name, m[2]) as number;
    const max = value('--space', name, m[3]) as number;
    const log = m[1] !== undefined;
    if (!(min <= max) || (log && min <= 0))
      throw new UsageError(
        `--space: ${cliName(name)} range ${min}..${max} needs LO <= HI${log ? ' and LO > 0 (log scale)' : ''}`,
      );
    out[name] = { min, max, log, integer: INTEGER.has(name) };
  }
  return out;
}

/** Throws a usage error when a configuration sets width/depth/dropout for a model without them. */
export function checkModelParams(model: string, configs: readonly TrialConfig[]): void {
  if (model === 'mlp') return;
  for (const c of configs)
    for (const k of MODEL_PARAMS)
      if (k in c)
        throw new UsageError(
          `'${k}' applies to --model mlp only (its hidden layers); ${model} has no ${k} option: search lr, batch-size, weight-decay, momentum, optimizer or epochs`,
        );
}

/** Builds the model of a configuration: mlp with depth x width hidden units and dropout, else the registry's. */
export function modelForConfig(
  model: string,
  config: TrialConfig,
  options: ModelOptions & { inputShape: readonly number[]; numClasses: number },
): Module {
  if (model !== 'mlp') return createModel(model, options);
  const shape = options;
  const hasShape = 'width' in config || 'depth' in config;
  const width = Number(config.width ?? 128);
  const depth = Number(config.depth ?? 2);
  return mlp({
    inputSize: shape.inputShape.reduce((a, b) => a * b, 1),
    numClasses: shape.numClasses,
    ...(hasShape ? { hidden: Array.from({ length: depth }, () => width) } : {}),
    dropout: Number(config.dropout ?? 0),
  });
}
