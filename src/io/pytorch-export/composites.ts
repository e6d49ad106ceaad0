/**
 * The torch form of convkit's containers and zoo models (modules with children), keyed by class
 * name: which python class holds the children and how its forward runs them. Containers map to
 * nn.Sequential / nn.ModuleList or a class of python-lib.ts; a model whose forward runs its
 * children one after another (ResNet, VGG, AlexNet, GoogLeNet, ...) becomes a `Chain` with the
 * order spelled out here, and a child that the order does not place is an error, so a changed
 * model cannot export silently wrong code.
 */
import { ExportError } from './layers.js';

/** How a module with children is written into model.py. */
export interface CompositeEmit {
  /** nn.Sequential / nn.ModuleList of the children in order, or a python class taking (children, **attrs). */
  kind: 'sequential' | 'modulelist' | 'composite';
  /** The python class (for 'composite'): one of python-lib.ts's, or an alias of `base`. */
  cls?: string;
  /** The python-lib class that `cls` is an alias of (e.g. ResNet of Chain). */
  base?: string;
  /** Plain attributes as python source (e.g. `_steps: "['conv1', None, 'fc']"`). */
  attrs?: Record<string, string>;
}

/** A step that flattens from dim 1 (torch.flatten(x, 1)). */
const FLATTEN = null;
type Step = string | null;

/** A chain of the given steps over the present children; `unused` children may be present but are not run. */
function chain(
  cls: string,
  steps: (present: readonly string[]) => Step[],
  unused: readonly string[] = [],
): (present: readonly string[]) => CompositeEmit {
  return (present) => {
    // a step ending in '?' may be absent (e.g. BasicConv2d's bn); any other must be there
    const wanted = steps(present);
    const missing = wanted.filter((s): s is string => s !== null && !s.endsWith('?') && !present.includes(s));
    if (missing.length > 0)
      throw new ExportError(
        `child ${missing.map((n) => `'${n}'`).join(', ')} of ${cls} is missing; update src/io/pytorch-export/composites.ts`,
      );
    const order = wanted
      .map((s) => (s === null ? s : s.replace(/\?$/, '')))
      .filter((s) => s === null || present.includes(s));
    const placed = new Set([...order.filter((s): s is string => s !== null), ...unused]);
    const stray = present.filter((n) => !placed.has(n));
    if (stray.length > 0)
      throw new ExportError(
        `child ${stray.map((n) => `'${n}'`).join(', ')} has no place in the exported forward of ${cls}; update src/io/pytorch-export/composites.ts`,
      );
    const pySteps = `[${order.map((s) => (s === null ? 'None' : JSON.stringify(s))).join(', ')}]`;
    return { kind: 'composite', cls, base: 'Chain', attrs: { _steps: pySteps } };
  };
}

/** A fixed order of named steps. */
const fixed =
  (...steps: Step[]) =>
  (): Step[] =>
    steps;

/** All present children except `tail`, then flatten, then `tail`. */
const headThen =
  (skip: readonly string[], ...tail: Step[]) =>
  (present: readonly string[]): Step[] => [...present.filter((n) => !skip.includes(n)), ...tail];

const residual = (cls: string) => (): CompositeEmit => ({ kind: 'composite', cls, base: 'Residual' });
const concat = (cls: string) => (): CompositeEmit => ({ kind: 'composite', cls, base: 'Concat', attrs: { _dim: '1' } });

/**
 * A python-lib class whose forward uses the children by name: the `required` ones must be
 * present, `optional` ones may be, any other child is an error (its forward would skip it).
 */
const named =
  (cls: string, required: readonly string[], optional: readonly string[] = []) =>
  (present: readonly string[]): CompositeEmit => {
    const missing = required.filter((n) => !present.includes(n));
    if (missing.length > 0)
      throw new ExportError(
        `child ${missing.map((n) => `'${n}'`).join(', ')} of ${cls} is missing; update src/io/pytorch-export/composites.ts`,
      );
    const stray = present.filter((n) => !required.includes(n) && !optional.includes(n));
    if (stray.length > 0)
      throw new ExportError(
        `child ${stray.map((n) => `'${n}'`).join(', ')} has no place in the exported forward of ${cls}; update src/io/pytorch-export/composites.ts`,
      );
    return { kind: 'composite', cls };
  };

/** A ResNet block: torchvision's layout (conv1, bn1, ..., downsample) or convkit's Residual (body, shortcut). */
const block = (cls: string) => (present: readonly string[]) =>
  present.includes('body') ? residual(cls)() : { kind: 'composite' as const, cls, base: 'TorchvisionBlock' };

/** Containers and zoo modules by the class's declared static typeName (given the children present). */
export const COMPOSITES: Record<
  string,
  (present: readonly string[], props: Readonly<Record<string, unknown>>) => CompositeEmit
> = {
  Sequential: () => ({ kind: 'sequential' }),
  ModuleList: () => ({ kind: 'modulelist' }),
  Residual: residual('Residual'),
  Concat: (_present, props) => ({
    kind: 'composite',
    cls: 'Concat',
    attrs: { _dim: String(typeof props.dim === 'number' ? props.dim : 1) },
  }),
  // inception blocks: convkit's Concat of four branches, or torchvision's branch1..branch4
  InceptionModule: concat('InceptionModule'),
  Inception: concat('Inception'),
  BasicBlock: block('BasicBlock'),
  Bottleneck: block('Bottleneck'),
  BasicConv2d: chain('BasicConv2d', fixed('conv', 'bn?', 'relu')),
  ResNet: chain('ResNet', headThen(['fc'], FLATTEN, 'fc')),
  AlexNet: chain('AlexNet', fixed('features', 'avgpool', FLATTEN, 'classifier')),
  VGG: chain('VGG', fixed('features', 'avgpool', FLATTEN, 'classifier')),
  // the auxiliary classifiers run only in training and feed only the auxiliary loss: not exported to forward
  GoogLeNet: chain('GoogLeNet', headThen(['aux1', 'aux2', 'dropout', 'fc'], FLATTEN, 'dropout', 'fc'), [
    'aux1',
    'aux2',
  ]),
  InceptionAux: chain('InceptionAux', fixed('avgpool', 'conv', FLATTEN, 'fc1', 'relu', 'dropout', 'fc2')),
  Autoencoder: chain('Autoencoder', fixed('encoder', 'decoder')),
  UNet: () => ({ kind: 'composite', cls: 'UNet' }),
  TemporalBlock: named('TemporalBlock', ['net', 'relu'], ['downsample']),
  TCN: named('TCN', ['blocks', 'pool', 'fc']),
  UNetUp: () => ({ kind: 'composite', cls: 'UNetUp' }),
};
