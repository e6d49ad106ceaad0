/** Help text generated from the model registry and the dataset table, so --help lists exactly what the CLI accepts. */
import { modelNames, modelSpec } from '../models/registry.js';
import { DATASETS, DATASET_NAMES } from './datasets.js';

/** One line per registered model: name, then its description (and 'x → x' for reconstruction models). */
export function modelList(indent = ''): string {
  const names = modelNames();
  const w = Math.max(...names.map((n) => n.length)) + 2;
  return names
    .map((n) => {
      const s = modelSpec(n);
      return `${indent}${n.padEnd(w)}${s.description}${s.task === 'reconstruction' ? ' (trained on x → x, MSE)' : ''}`;
    })
    .join('\n');
}

/** One line per dataset: name, then what it holds. */
export function datasetList(indent = ''): string {
  const w = Math.max(...DATASET_NAMES.map((n) => n.length)) + 2;
  return DATASETS.map(
    (d) =>
      `${indent}${d.name.padEnd(w)}${d.description}; ${d.trainSize.toLocaleString('en-US')} train / ${d.testSize.toLocaleString('en-US')} test samples`,
  ).join('\n');
}

/** The names joined with ' | ' for a usage line. */
export function nameChoices(names: readonly string[]): string {
  return names.join(' | ');
}
