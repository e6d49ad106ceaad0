/**
 * The one-time map from the state-dict keys convkit 0.1 saved to PyTorch's names (0.2 on), so
 * old weights files and checkpoints still load. `Module.loadStateDict` applies it when a dict
 * has keys the module lacks that this map turns into keys it has; the CLI loaders apply it
 * before checking a file's tensors. Renames (each checked against the model's own keys):
 *   BatchNorm buffers  runningMean / runningVar / numBatchesTracked → running_mean / running_var / num_batches_tracked
 *   ResNet blocks      body.0 / body.1 / body.3 / body.4 / body.6 / body.7 → conv1 / bn1 / conv2 / bn2 / conv3 / bn3
 *                      shortcut → downsample
 *   GoogLeNet          inception3a.0 / .1 / .2 / .3 (any inceptionXY) → inception3a.branch1 / branch2 / branch3 / branch4
 */
import type { StateDict } from '../tensor/state-dict.js';

/** What a file with old names is told to do (appended to the one-time warning). */
export const LEGACY_RESAVE_HINT =
  "re-save it to store PyTorch's names: load it, then train.saveWeights(model, path) (keep the file's metadata by passing it on)";

const BUFFERS: Readonly<Record<string, string>> = {
  runningMean: 'running_mean',
  runningVar: 'running_var',
  numBatchesTracked: 'num_batches_tracked',
};
const BLOCK_LAYERS: Readonly<Record<string, string>> = {
  '0': 'conv1',
  '1': 'bn1',
  '3': 'conv2',
  '4': 'bn2',
  '6': 'conv3',
  '7': 'bn3',
};
const INCEPTION = /^inception\w+$/;

/** The 0.2 name of a 0.1 key (the key itself when no rule applies). */
export function currentKeyName(key: string): string {
  const parts = key.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const next = parts[i + 1];
    if (i === parts.length - 1 && p in BUFFERS) out.push(BUFFERS[p]);
    else if (p === 'body' && next !== undefined && next in BLOCK_LAYERS) {
      out.push(BLOCK_LAYERS[next]);
      i++;
    } else if (p === 'shortcut') out.push('downsample');
    else if (INCEPTION.test(p) && next !== undefined && /^[0-3]$/.test(next)) {
      out.push(p, `branch${Number(next) + 1}`);
      i++;
    } else out.push(p);
  }
  return out.join('.');
}

/** A state dict with its 0.1 keys renamed, and which keys were renamed (old → new). */
export interface LegacyRenaming {
  dict: StateDict;
  renamed: [string, string][];
}

/**
 * Renames the keys of `src` that the module (whose keys are `own`) lacks and whose 0.2 name it
 * has (and `src` does not), keeping the order; null when no key needs it.
 */
export function renameLegacyKeys(src: StateDict, own: { has(key: string): boolean }): LegacyRenaming | null {
  const renamed: [string, string][] = [];
  const dict: StateDict = new Map();
  for (const [k, t] of src) {
    let key = k;
    if (!own.has(k)) {
      const n = currentKeyName(k);
      if (n !== k && own.has(n) && !src.has(n)) {
        renamed.push([k, n]);
        key = n;
      }
    }
    dict.set(key, t);
  }
  return renamed.length > 0 ? { dict, renamed } : null;
}

let warned = false;

/** The one-time console warning that a state dict used 0.1 names (`where`: e.g. the file). */
export function warnLegacyNames(where: string, count: number): void {
  if (warned) return;
  warned = true;
  console.warn(`convkit: ${legacyNamesNote(where, count)}`);
}

/** The sentence saying that `where` used pre-0.2 names and how to re-save it. */
export function legacyNamesNote(where: string, count: number): string {
  return `${where} uses pre-0.2 state-dict names (${count} key${count === 1 ? '' : 's'} such as runningMean, body.N, shortcut or inception3a.N were mapped to PyTorch's running_mean, conv1, downsample, inception3a.branch1); ${LEGACY_RESAVE_HINT}`;
}
