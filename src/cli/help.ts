/** Help text generated from the model and dataset registries, so --help lists exactly what the CLI accepts. */
import { datasetNames, datasetSpec } from '../data/registry.js';
import { modelNames, modelSpec } from '../models/registry.js';

/** What a model trains for besides classification, for its help line. */
function taskNote(name: string): string {
  const tasks = modelSpec(name).tasks;
  const notes: string[] = [];
  if (tasks.includes('reconstruction')) notes.push('trained on x → x, MSE');
  if (tasks.includes('segmentation')) notes.push('masks with BCE and IoU on segmentation data');
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

/** One line per registered model: name, then its description (and what it trains on when it is not a classifier). */
export function modelList(indent = ''): string {
  const names = modelNames();
  const w = Math.max(...names.map((n) => n.length)) + 2;
  return names.map((n) => `${indent}${n.padEnd(w)}${modelSpec(n).description}${taskNote(n)}`).join('\n');
}

/** The split sizes of a dataset for its help line. */
function sizes(train: number | null, test: number | null): string {
  if (train === null || test === null) return '';
  return `; ${train.toLocaleString('en-US')} train / ${test.toLocaleString('en-US')} test samples`;
}

/** One line per registered dataset (name, what it holds, split sizes), then folder:PATH. */
export function datasetList(indent = ''): string {
  const names = datasetNames();
  const w = Math.max(...names.map((n) => n.length), 'folder:PATH'.length) + 2;
  const lines = names.map((n) => {
    const d = datasetSpec(n);
    const task = d.task === 'classification' ? '' : ` [${d.task}]`;
    return `${indent}${n.padEnd(w)}${d.description}${task}${sizes(d.trainSize, d.testSize)}`;
  });
  lines.push(
    `${indent}${'folder:PATH'.padEnd(w)}an image folder, one subfolder per class (train/ and val/ or test/ inside it are used as the splits, else a seeded 80/20 split)`,
  );
  return lines.join('\n');
}

/** The names joined with ' | ' for a usage line. */
export function nameChoices(names: readonly string[]): string {
  return names.join(' | ');
}
