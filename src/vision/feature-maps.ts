/**
 * What a trained CNN computes inside: `featureMaps` runs a model once with forward hooks and
 * returns each layer's output (the lectures' "conv1 / conv2 feature maps", one image per
 * channel), and `conv2dLayers` lists the conv layers whose weights are the learned filters.
 */
import { noGrad } from '../autograd/engine.js';
import { Conv2d } from '../nn/layers/conv.js';
import type { HookHandle, Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of featureMaps. */
export interface FeatureMapsOptions {
  /** Dotted module names (as namedModules gives them) to record; default every leaf module. */
  layers?: readonly string[];
}

/**
 * Runs model on x once (evaluation mode, no gradients; the model's mode is restored) and
 * returns a Map from layer name (dotted, from namedModules) to that layer's output, in the
 * order the layers ran. A layer called several times keeps its last output.
 */
export function featureMaps(model: Module, x: Tensor, options: FeatureMapsOptions = {}): Map<string, Tensor> {
  const op = 'featureMaps';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  const named = [...model.namedModules()];
  let targets: [string, Module][];
  if (options.layers === undefined) {
    targets = named.filter(([name, m]) => name !== '' && m.children().next().done === true);
    if (targets.length === 0) targets = named; // a model without submodules: its own output
  } else {
    const byName = new Map(named);
    targets = options.layers.map((name) => {
      const m = byName.get(name);
      if (!m)
        throw new RangeError(
          `${op}: ${model.typeName} has no layer '${name}' (layers: ${named
            .map(([n]) => n)
            .filter((n) => n !== '')
            .join(', ')})`,
        );
      return [name, m];
    });
  }
  const maps = new Map<string, Tensor>();
  const handles: HookHandle[] = targets.map(([name, m]) =>
    m.registerForwardHook((_mod, _inputs, out) => {
      maps.delete(name); // keep execution order for the last call
      maps.set(name, out.clone());
    }),
  );
  const modes = named.map(([, m]) => m.training);
  try {
    model.eval();
    noGrad(() => model.call(x));
  } finally {
    for (const h of handles) h.remove();
    named.forEach(([, m], i) => {
      m.training = modes[i];
    });
  }
  if (options.layers !== undefined) {
    const missing = options.layers.filter((n) => !maps.has(n));
    if (missing.length > 0)
      throw new Error(
        `${op}: layer${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')} did not run (a parent's forward must invoke children with call(), not forward())`,
      );
  }
  return maps;
}

/** The Conv2d layers of a model with their dotted names, in registration order. */
export function conv2dLayers(model: Module): [string, Conv2d][] {
  return [...model.namedModules()].filter((e): e is [string, Conv2d] => e[1] instanceof Conv2d);
}
