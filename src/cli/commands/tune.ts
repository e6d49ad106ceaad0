/**
 * `convkit tune`: grid or random hyper-parameter search (train.tune) for a zoo model on a registry
 * dataset, with a validation split or k-fold. Writes into --out DIR: tune.json (the search's
 * settings), trials.jsonl (one finished trial per line, the whole file rewritten atomically after
 * each trial), results.csv and best.json; prints the results table. Resumable: a rerun with the
 * same settings skips the trials already in trials.jsonl (e.g. after a kill).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../../io/atomic-write.js';
import { configKey, gridConfigs, optimizerFromConfig, randomConfigs, tune } from '../../train/tune.js';
import type { TrialConfig, TrialResult, TuneResult } from '../../train/tune.js';
import {
  CliFailure,
  choiceOption,
  intOption,
  numberOption,
  parseCommand,
  selectBackend,
  UsageError,
} from '../options.js';
import { DATA_FLAGS, DATA_FLAGS_USAGE, loadModelData, resizeNote } from './tune-common.js';
import { checkModelParams, cliName, modelForConfig, parseGrid, parseSpace } from './tune-spec.js';

/** Help text of `convkit tune`. */
export const TUNE_USAGE = `convkit tune --model NAME --dataset NAME (--grid SPEC | --random N --space SPEC) [options]
Hyper-parameter search: every trial trains a fresh model from the same seed on the same split and
is scored by its validation loss or accuracy after the last epoch (the mean over folds with --folds).
  --model NAME         a zoo model (convkit --help lists them)
${DATA_FLAGS_USAGE}
  --grid SPEC          every combination, e.g. 'lr=1e-3,1e-2;batch-size=32,64'
  --random N           N configurations drawn from --space (seeded by --seed)
  --space SPEC         NAME=A,B,C (choices) | NAME=LO..HI (uniform) | NAME=log:LO..HI (log-uniform),
                       e.g. 'lr=log:1e-4..1e-1;dropout=0..0.5;optimizer=adam,sgd'
                       names: lr, batch-size, weight-decay, momentum, optimizer, epochs, and for
                       --model mlp width (units per hidden layer), depth (hidden layers), dropout
  --folds K            k-fold cross-validation on the training split (K >= 2)
  --val-fraction X     else hold out X of the training split, seeded shuffle   (default 0.2)
  --objective NAME     val-accuracy | val-loss      (default val-accuracy for classifiers)
  --epochs N           epochs per trial unless searched                      (default 1)
  --batch-size N       unless searched                                       (default 32)
  --lr X               unless searched        (default 3e-3 for adam/adamw, 0.05 for sgd)
  --optimizer NAME     adam | adamw | sgd unless searched                    (default adam)
  --weight-decay X     unless searched                                       (default 0)
  --out DIR            tune.json, trials.jsonl, results.csv, best.json  (default tune-MODEL-DATASET)
  --json               print one JSON object (best and every trial) on stdout at the end
Resumable: rerun the same command after an interruption; finished trials are not trained again.`;

/** The settings a search's trials depend on (a rerun must match them to reuse trials). */
interface SearchSettings {
  model: string;
  dataset: string;
  limit: number | null;
  resize: string | null;
  seed: number;
  validation: { fraction: number } | { folds: number };
  objective: 'valLoss' | 'valAccuracy';
  epochs: number;
  batchSize: number;
  defaults: TrialConfig;
}

/** Reads DIR/trials.jsonl (absent: none); a damaged line names the file and line. */
function readTrials(path: string): TrialResult[] {
  if (!fs.existsSync(path)) return [];
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  const out: TrialResult[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: TrialResult;
    try {
      r = JSON.parse(line) as TrialResult;
    } catch {
      throw new CliFailure(`${path}:${i + 1} is not JSON; delete that line (its trial will run again)`, { path });
    }
    if (typeof r !== 'object' || r === null || typeof r.config !== 'object' || r.key !== configKey(r.config))
      throw new CliFailure(`${path}:${i + 1} is not a trial record; delete that line (its trial will run again)`, {
        path,
      });
    out.push(r);
  });
  return out;
}

/** The settings differing between the stored search and this run, as 'name: stored vs now'. */
function settingsDiff(a: SearchSettings, b: SearchSettings): string[] {
  const diffs: string[] = [];
  for (const k of Object.keys(b) as (keyof SearchSettings)[]) {
    const x = JSON.stringify(a[k]);
    const y = JSON.stringify(b[k]);
    if (x !== y) diffs.push(`${k} ${x} there, ${y} now`);
  }
  return diffs;
}

const fmt = (v: number | null, digits = 4): string => (v === null ? 'diverged' : v.toFixed(digits));
const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

/** The results table (text), best trial marked with '*'. */
export function resultsTable(r: TuneResult, names: readonly string[]): string {
  const head = ['#', ...names.map(cliName), 'val loss', 'val acc', 'seconds'];
  const rows = r.trials.map((t) => [
    `${t.index + 1}${r.best && t.index === r.best.index ? '*' : ''}`,
    ...names.map((n) => (n in t.config ? String(t.config[n]) : '-')),
    fmt(t.valLoss),
    pct(t.valAccuracy),
    t.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** results.csv: one row per trial, the hyper-parameters by their CLI names. */
export function resultsCsv(r: TuneResult, names: readonly string[]): string {
  const head = ['trial', ...names.map(cliName), 'val_loss', 'val_accuracy', 'score', 'diverged', 'seconds', 'best'];
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  const rows = r.trials.map((t) =>
    [
      t.index + 1,
      ...names.map((n) => t.config[n]),
      t.valLoss,
      t.valAccuracy,
      t.score,
      t.diverged,
      t.seconds.toFixed(3),
      r.best !== null && t.index === r.best.index,
    ]
      .map(cell)
      .join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

/** Runs `convkit tune`; returns the exit code. */
export async function tuneCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...DATA_FLAGS,
      grid: { type: 'string' },
      random: { type: 'string' },
      space: { type: 'string' },
      folds: { type: 'string' },
      'val-fraction': { type: 'string' },
      objective: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      'weight-decay': { type: 'string' },
      out: { type: 'string' },
    },
    TUNE_USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const json = values.json === true;
  const log = (text: string): void => {
    (json ? process.stderr : process.stdout).write(`${text}\n`);
  };
  selectBackend(values.backend);

  // 1. every flag
  if ((values.grid === undefined) === (values.random === undefined))
    throw new UsageError('give exactly one of --grid SPEC or --random N --space SPEC');
  if (values.random !== undefined && values.space === undefined)
    throw new UsageError("--random N needs --space SPEC, e.g. --space 'lr=log:1e-4..1e-1'");
  if (values.space !== undefined && values.random === undefined)
    throw new UsageError('--space is for --random N (with --grid, list the values in --grid)');
  if (values.folds !== undefined && values['val-fraction'] !== undefined)
    throw new UsageError('give --folds K or --val-fraction X, not both');
  const seed = values.seed === undefined ? 0 : intOption('--seed', values.seed, 0);
  const configs: TrialConfig[] =
    values.grid !== undefined
      ? gridConfigs(parseGrid(values.grid))
      : randomConfigs(parseSpace(values.space as string), intOption('--random', values.random, 1), seed);
  const names = [...new Set(configs.flatMap((c) => Object.keys(c)))];
  const validation: { fraction: number } | { folds: number } =
    values.folds !== undefined
      ? { folds: intOption('--folds', values.folds, 2) }
      : {
          fraction: values['val-fraction'] === undefined ? 0.2 : numberOption('--val-fraction', values['val-fraction']),
        };
  if ('fraction' in validation && !(validation.fraction > 0 && validation.fraction < 1))
    throw new UsageError(`--val-fraction must be in (0, 1), got '${values['val-fraction']}'`);
  const optimizer = choiceOption('--optimizer', values.optimizer ?? 'adam', ['adam', 'adamw', 'sgd'] as const);
  const lr = values.lr === undefined ? (optimizer === 'sgd' ? 0.05 : 3e-3) : numberOption('--lr', values.lr);
  if (!(lr > 0)) throw new UsageError(`--lr must be > 0, got '${values.lr}'`);
  const weightDecay = values['weight-decay'] === undefined ? 0 : numberOption('--weight-decay', values['weight-decay']);
  if (weightDecay < 0) throw new UsageError(`--weight-decay must be >= 0, got '${values['weight-decay']}'`);
  const epochs = values.epochs === undefined ? 1 : intOption('--epochs', values.epochs, 1);
  const batchSize = values['batch-size'] === undefined ? 32 : intOption('--batch-size', values['batch-size'], 1);
  if (values.model !== undefined) checkModelParams(values.model, configs);

  // 2. the data, then the output folder (a rerun with the same settings resumes)
  const md = await loadModelData(values);
  const objective =
    values.objective === undefined
      ? md.classify
        ? 'valAccuracy'
        : 'valLoss'
      : choiceOption('--objective', values.objective, ['val-accuracy', 'val-loss'] as const) === 'val-loss'
        ? 'valLoss'
        : 'valAccuracy';
  if (objective === 'valAccuracy' && !md.classify)
    throw new UsageError(
      `--objective val-accuracy needs class labels; ${md.loaded.name} is not classified: use val-loss`,
    );
  const settings: SearchSettings = {
    model: md.spec.name,
    dataset: md.loaded.name,
    limit: values.limit === undefined ? null : Number(values.limit),
    resize: values.resize ?? null,
    seed,
    validation,
    objective,
    epochs,
    batchSize,
    defaults: { optimizer, lr, weightDecay },
  };
  const dir = values.out ?? `tune-${md.spec.name}-${md.loaded.name.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  fs.mkdirSync(dir, { recursive: true });
  const settingsPath = join(dir, 'tune.json');
  const trialsPath = join(dir, 'trials.jsonl');
  let completed: TrialResult[] = [];
  if (fs.existsSync(settingsPath)) {
    const stored = JSON.parse(fs.readFileSync(settingsPath, 'utf8')) as SearchSettings;
    const diffs = settingsDiff(stored, settings);
    if (diffs.length > 0)
      throw new UsageError(
        `${dir} holds a search with other settings (${diffs.join('; ')}); its trials are not comparable: use another --out DIR or delete ${dir}`,
      );
    completed = readTrials(trialsPath);
  } else {
    await atomicWriteFile(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  }
  const wanted = new Set(configs.map(configKey));
  const reused = completed.filter((t) => wanted.has(t.key)).length;
  const lines = completed.map((t) => JSON.stringify(t));

  log(
    `tuning ${md.spec.name} on ${md.loaded.name}${resizeNote(md)}: ${configs.length} configurations, ${'folds' in validation ? `${validation.folds}-fold cross-validation` : `validation ${validation.fraction} of ${md.train.length} samples`}, ${epochs} epoch(s) each, objective ${objective}${reused > 0 ? `; ${reused} finished earlier (${trialsPath}) are skipped` : ''}`,
  );
  const defaults = settings.defaults;
  const result = await tune(md.train, {
    configs,
    model: (c) => modelForConfig(md.spec.name, c, md.createOptions),
    optimizer: (c, m) => optimizerFromConfig({ ...defaults, ...c }, m),
    loss: md.loss,
    metrics: md.classify ? ['accuracy'] : [],
    epochs,
    batchSize,
    validation,
    objective,
    seed,
    completed,
    onTrialEnd: async (t) => {
      lines.push(JSON.stringify(t));
      await atomicWriteFile(trialsPath, `${lines.join('\n')}\n`);
      const desc = names.map((n) => `${cliName(n)}=${n in t.config ? t.config[n] : '-'}`).join(' ');
      log(
        `trial ${t.index + 1}/${configs.length} ${desc}: ${t.diverged ? 'diverged' : `val loss ${fmt(t.valLoss)}${t.valAccuracy !== null ? `, val accuracy ${pct(t.valAccuracy)}` : ''}`} (${t.seconds.toFixed(2)} s)`,
      );
    },
  });
  await atomicWriteFile(join(dir, 'results.csv'), resultsCsv(result, names));
  const best = result.best;
  const bestJson = best
    ? {
        model: md.spec.name,
        dataset: md.loaded.name,
        objective,
        score: best.score,
        valLoss: best.valLoss,
        valAccuracy: best.valAccuracy,
        trial: best.index + 1,
        config: Object.fromEntries(Object.entries({ ...defaults, ...best.config }).map(([k, v]) => [cliName(k), v])),
        epochs: best.config.epochs ?? epochs,
        batchSize: best.config.batchSize ?? batchSize,
      }
    : null;
  if (bestJson) await atomicWriteFile(join(dir, 'best.json'), `${JSON.stringify(bestJson, null, 2)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ out: dir, best: bestJson, trials: result.trials })}\n`);
  } else {
    log(resultsTable(result, names));
    log(
      best
        ? `best: trial ${best.index + 1} (${objective} ${fmt(best.score)}); written ${join(dir, 'best.json')}, ${join(dir, 'results.csv')}`
        : `every trial diverged: lower the learning rates; results in ${join(dir, 'results.csv')}`,
    );
    if (bestJson && !names.some((n) => n === 'width' || n === 'depth' || n === 'dropout')) {
      const flags = Object.entries(bestJson.config)
        .filter(([k, v]) => k !== 'weight-decay' || v !== 0)
        .map(([k, v]) => `--${k} ${v}`);
      const data = `${values.limit !== undefined ? ` --limit ${values.limit}` : ''}${values['data-dir'] !== undefined ? ` --data-dir ${values['data-dir']}` : ''}`;
      log(
        `train it: convkit train --model ${md.spec.name} --dataset ${md.loaded.name}${data} ${flags.join(' ')}${'epochs' in bestJson.config ? '' : ` --epochs ${bestJson.epochs}`}${'batch-size' in bestJson.config ? '' : ` --batch-size ${bestJson.batchSize}`} --schedule constant`,
      );
    }
  }
  return best ? 0 : 1;
}
