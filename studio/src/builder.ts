/**
 * The layer-by-layer model builder of the Train page: a list of layer specs, each shown with the
 * output shape and parameter count it gives as you edit, built into an nn.Sequential. A layer
 * that cannot take its input (an empty output, a Linear before Flatten, a conv on flat features)
 * is refused with the reason, computed by convkit's own arithmetic (`train.convArith`,
 * `train.poolArith`) before anything runs.
 */
import { nn, noGrad, train, zeros } from 'convkit';
import { count, el, message, select } from './ui.js';

/** The layer kinds the builder offers. */
export type LayerKind =
  | 'conv2d'
  | 'maxpool2d'
  | 'avgpool2d'
  | 'relu'
  | 'tanh'
  | 'sigmoid'
  | 'batchnorm2d'
  | 'dropout'
  | 'flatten'
  | 'linear';

/** One layer as the user set it. */
export interface LayerSpec {
  kind: LayerKind;
  /** conv: out channels; linear: out features; pool: kernel; dropout: p (percent). */
  a: number;
  /** conv: kernel; pool: stride. */
  b: number;
  /** conv: stride. */
  c: number;
  /** conv: padding. */
  d: number;
}

const KINDS: readonly (readonly [LayerKind, string])[] = [
  ['conv2d', 'Conv2d'],
  ['maxpool2d', 'MaxPool2d'],
  ['avgpool2d', 'AvgPool2d'],
  ['relu', 'ReLU'],
  ['tanh', 'Tanh'],
  ['sigmoid', 'Sigmoid'],
  ['batchnorm2d', 'BatchNorm2d'],
  ['dropout', 'Dropout'],
  ['flatten', 'Flatten'],
  ['linear', 'Linear'],
];

/** The parameters each kind shows, with their labels and ranges. */
const FIELDS: Record<LayerKind, readonly (readonly ['a' | 'b' | 'c' | 'd', string, number, number])[]> = {
  conv2d: [
    ['a', 'out channels', 1, 512],
    ['b', 'kernel', 1, 15],
    ['c', 'stride', 1, 8],
    ['d', 'padding', 0, 8],
  ],
  maxpool2d: [
    ['a', 'kernel', 1, 8],
    ['b', 'stride', 1, 8],
  ],
  avgpool2d: [
    ['a', 'kernel', 1, 8],
    ['b', 'stride', 1, 8],
  ],
  relu: [],
  tanh: [],
  sigmoid: [],
  batchnorm2d: [],
  dropout: [['a', 'p (%)', 0, 95]],
  flatten: [],
  linear: [['a', 'out features', 1, 4096]],
};

/** A new layer of a kind with sensible defaults. */
export function defaultLayer(kind: LayerKind): LayerSpec {
  switch (kind) {
    case 'conv2d':
      return { kind, a: 16, b: 3, c: 1, d: 1 };
    case 'maxpool2d':
    case 'avgpool2d':
      return { kind, a: 2, b: 2, c: 0, d: 0 };
    case 'dropout':
      return { kind, a: 25, b: 0, c: 0, d: 0 };
    case 'linear':
      return { kind, a: 10, b: 0, c: 0, d: 0 };
    default:
      return { kind, a: 0, b: 0, c: 0, d: 0 };
  }
}

/** LeNet-5 for 28x28 inputs, as layer specs (the builder's starting point). */
export function lenetSpecs(numClasses: number): LayerSpec[] {
  return [
    { kind: 'conv2d', a: 6, b: 5, c: 1, d: 2 },
    defaultLayer('relu'),
    { kind: 'maxpool2d', a: 2, b: 2, c: 0, d: 0 },
    { kind: 'conv2d', a: 16, b: 5, c: 1, d: 0 },
    defaultLayer('relu'),
    { kind: 'maxpool2d', a: 2, b: 2, c: 0, d: 0 },
    defaultLayer('flatten'),
    { kind: 'linear', a: 120, b: 0, c: 0, d: 0 },
    defaultLayer('relu'),
    { kind: 'linear', a: 84, b: 0, c: 0, d: 0 },
    defaultLayer('relu'),
    { kind: 'linear', a: numClasses, b: 0, c: 0, d: 0 },
  ];
}

/** What one layer gives: its module and output shape, or the reason it is refused. */
export interface BuiltLayer {
  module: nn.Module | null;
  outShape: number[] | null;
  params: number;
  error: string | null;
}

/** Builds one layer for an input shape (without batch), or says why it cannot take it. */
export function buildLayer(s: LayerSpec, shape: readonly number[]): BuiltLayer {
  const refuse = (error: string): BuiltLayer => ({ module: null, outShape: null, params: 0, error });
  const spatial = shape.length === 3;
  try {
    let m: nn.Module;
    switch (s.kind) {
      case 'conv2d': {
        if (!spatial)
          return refuse(
            `Conv2d needs an image [C, H, W]; its input is flat [${shape.join(', ')}] (move it before Flatten)`,
          );
        let r: train.LayerArith;
        try {
          r = train.convArith({
            input: [shape[1], shape[2]],
            kernel: s.b,
            stride: s.c,
            padding: s.d,
            inChannels: shape[0],
            outChannels: s.a,
          });
        } catch (e) {
          return refuse(`the output would be empty: ${message(e).replace(/^conv: /, '')}`);
        }
        if (r.axes.some((a) => a.output < 1)) return refuse(`the output would be empty: ${r.axes[0].formula}`);
        m = new nn.Conv2d(shape[0], s.a, s.b, { stride: s.c, padding: s.d });
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        if (!spatial) return refuse(`pooling needs an image [C, H, W]; its input is flat [${shape.join(', ')}]`);
        let r: train.LayerArith;
        try {
          r = train.poolArith({ input: [shape[1], shape[2]], kernel: s.a, stride: s.b });
        } catch (e) {
          return refuse(`the output would be empty: ${message(e).replace(/^pool: /, '')}`);
        }
        if (r.axes.some((a) => a.output < 1)) return refuse(`the output would be empty: ${r.axes[0].formula}`);
        m = s.kind === 'maxpool2d' ? new nn.MaxPool2d(s.a, { stride: s.b }) : new nn.AvgPool2d(s.a, { stride: s.b });
        break;
      }
      case 'relu':
        m = new nn.ReLU();
        break;
      case 'tanh':
        m = new nn.Tanh();
        break;
      case 'sigmoid':
        m = new nn.Sigmoid();
        break;
      case 'batchnorm2d':
        if (!spatial) return refuse('BatchNorm2d needs an image [C, H, W] (use it before Flatten)');
        m = new nn.BatchNorm2d(shape[0]);
        break;
      case 'dropout':
        if (!(s.a >= 0 && s.a < 100)) return refuse(`p must be in [0, 100) %, got ${s.a}`);
        m = new nn.Dropout(s.a / 100);
        break;
      case 'flatten':
        m = new nn.Flatten();
        break;
      case 'linear':
        if (shape.length !== 1)
          return refuse(`Linear needs flat features; its input is [${shape.join(', ')}]: add a Flatten before it`);
        m = new nn.Linear(shape[0], s.a);
        break;
    }
    const out = noGrad(() => m.eval().call(zeros([1, ...shape])));
    m.train();
    const outShape = out.shape.slice(1);
    if (outShape.some((d) => d < 1)) return refuse(`the output [${outShape.join(', ')}] would be empty`);
    return { module: m, outShape, params: m.numParameters(), error: null };
  } catch (e) {
    // the explain/arith ops say exactly what does not fit: the refusal reason
    return refuse(message(e).replace(/^(conv|pool): /, ''));
  }
}

/** The builder UI: rows of layers with shapes and parameter counts; `onChange` after every edit. */
export function builder(
  inputShape: () => readonly number[],
  numClasses: () => number,
  onChange: () => void,
): {
  node: HTMLElement;
  specs: LayerSpec[];
  /** Rebuilds the table; returns the modules, or the first refusal. */
  refresh(): { modules: nn.Module[]; error: string | null; params: number };
  set(specs: LayerSpec[]): void;
} {
  const specs: LayerSpec[] = lenetSpecs(numClasses());
  const table = el('table', { class: 'builder', 'data-testid': 'builder' });
  const summary = el('p', { class: 'hint', 'data-testid': 'builder-summary', 'aria-live': 'polite' });
  const addKind = select(KINDS, 'conv2d', { 'aria-label': 'layer to add', 'data-testid': 'builder-add-kind' });
  const addBtn = el('button', { type: 'button', text: 'Add layer', 'data-testid': 'builder-add' });
  const node = el(
    'div',
    { class: 'builder-box' },
    el('div', { class: 'table-scroll' }, table),
    el('div', { class: 'row wrap' }, addKind, addBtn),
    summary,
  );

  const refresh = (): { modules: nn.Module[]; error: string | null; params: number } => {
    table.replaceChildren(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['#', 'layer', 'settings', 'output', 'params', ''].map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
    );
    const body = el('tbody');
    let shape: readonly number[] = inputShape();
    let error: string | null = null;
    let params = 0;
    const modules: nn.Module[] = [];
    body.append(
      el(
        'tr',
        { class: 'input-row' },
        el('td', { text: '' }),
        el('td', { text: 'input' }),
        el('td', {}),
        el('td', { text: `[${shape.join(', ')}]` }),
        el('td', {}),
        el('td', {}),
      ),
    );
    specs.forEach((s, i) => {
      const kindSel = select(KINDS, s.kind, { 'aria-label': `layer ${i + 1} type`, 'data-testid': `layer-kind-${i}` });
      kindSel.addEventListener('change', () => {
        specs[i] = defaultLayer(kindSel.value as LayerKind);
        onChange();
      });
      const settings = el('div', { class: 'settings' });
      for (const [key, label, min, max] of FIELDS[s.kind]) {
        const inp = el('input', {
          type: 'number',
          min,
          max,
          step: 1,
          value: s[key],
          'aria-label': `layer ${i + 1} ${label}`,
          'data-testid': `layer-${i}-${key}`,
        });
        inp.addEventListener('change', () => {
          const v = Number(inp.value);
          if (Number.isFinite(v)) s[key] = Math.round(v);
          onChange();
        });
        settings.append(el('label', { class: 'mini' }, `${label} `, inp));
      }
      const built = error === null ? buildLayer(s, shape) : null;
      const up = el('button', { type: 'button', 'aria-label': `move layer ${i + 1} up`, text: '↑', disabled: i === 0 });
      const down = el('button', {
        type: 'button',
        'aria-label': `move layer ${i + 1} down`,
        text: '↓',
        disabled: i === specs.length - 1,
      });
      const del = el('button', {
        type: 'button',
        'aria-label': `remove layer ${i + 1}`,
        text: '✕',
        'data-testid': `layer-remove-${i}`,
      });
      up.addEventListener('click', () => {
        [specs[i - 1], specs[i]] = [specs[i], specs[i - 1]];
        onChange();
      });
      down.addEventListener('click', () => {
        [specs[i + 1], specs[i]] = [specs[i], specs[i + 1]];
        onChange();
      });
      del.addEventListener('click', () => {
        specs.splice(i, 1);
        onChange();
      });
      let outText = '';
      let cls = '';
      if (built?.error) {
        error = `layer ${i + 1} (${s.kind}) refused: ${built.error}`;
        outText = built.error;
        cls = 'refused';
      } else if (built?.module && built.outShape) {
        modules.push(built.module);
        shape = built.outShape;
        params += built.params;
        outText = `[${shape.join(', ')}]`;
      } else outText = '—';
      body.append(
        el(
          'tr',
          { class: cls, 'data-testid': `layer-row-${i}` },
          el('td', { text: String(i + 1) }),
          el('td', {}, kindSel),
          el('td', {}, settings),
          el('td', {
            class: cls ? 'reason' : '',
            'data-testid': cls ? 'layer-error' : `layer-out-${i}`,
            text: outText,
          }),
          el('td', { text: built?.module ? count(built.params) : '' }),
          el('td', {}, up, down, del),
        ),
      );
    });
    table.append(body);
    if (error === null && (shape.length !== 1 || shape[0] !== numClasses()))
      error = `the last layer gives [${shape.join(', ')}]; a classifier of ${numClasses()} classes must end in [${numClasses()}] (Flatten, then Linear(…, ${numClasses()}))`;
    summary.textContent = error ?? `${specs.length} layers, ${count(params)} parameters, output [${shape.join(', ')}]`;
    summary.classList.toggle('bad', error !== null);
    return { modules, error, params };
  };
  addBtn.addEventListener('click', () => {
    specs.push(defaultLayer(addKind.value as LayerKind));
    onChange();
  });
  return {
    node,
    specs,
    refresh,
    set(next) {
      specs.splice(0, specs.length, ...next);
    },
  };
}
