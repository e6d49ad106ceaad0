// Every worked example of the five lectures in the explain registry: its trace numbers are the
// values test/lecture asserts (restated here), every window sum equals the op's output, and each
// slip the lectures make is reported with the note's value and the right one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../src/index.js';
import type { ConvTrace, EquationTrace, PoolTrace, Trace } from '../../src/explain/index.js';

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
function near(actual: unknown, expected: unknown, msg: string, atol = 1e-4): void {
  const a = flat(actual),
    e = flat(expected);
  assert.equal(a.length, e.length, `${msg}: ${a.length} values, expected ${e.length}`);
  a.forEach((x, i) => assert.ok(Math.abs(x - e[i]) <= atol, `${msg}[${i}]: ${x} != ${e[i]}`));
}
/** Every hand-expanded step of a trace equals the value convkit's op produced. */
function selfConsistent(t: Trace, msg: string): void {
  if (t.kind === 'conv1d' || t.kind === 'conv2d') {
    near(
      t.windows.map((w) => w.sum),
      t.windows.map((w) => w.value),
      `${msg} window sums`,
    );
    near(
      t.windows.map((w) => w.value),
      t.output,
      `${msg} windows vs output`,
    );
  } else if (t.kind === 'convTranspose2d')
    near(
      t.cells.map((c) => c.sum),
      t.output,
      `${msg} cells`,
    );
  else if (t.kind === 'maxPool2d' || t.kind === 'avgPool2d') {
    near(
      t.windows.map((w) => w.result),
      t.output,
      `${msg} pool results`,
    );
    if (t.kind === 'maxPool2d')
      near(
        t.windows.map((w) => (w.argmax as number[])[0] * t.input[0].length + (w.argmax as number[])[1]),
        t.windows.map((w) => w.index),
        `${msg} argmax`,
      );
  } else if (t.kind === 'equations')
    for (const s of t.steps) if (s.fromOp !== undefined) near(s.value, s.fromOp, `${msg} ${s.name}`, 1e-4);
}
const conv = (t: Trace): ConvTrace => {
  assert.ok(t.kind === 'conv1d' || t.kind === 'conv2d', `expected a conv trace, got ${t.kind}`);
  return t as ConvTrace;
};
const pool = (t: Trace): PoolTrace => t as PoolTrace;
const eqs = (t: Trace): EquationTrace => {
  assert.equal(t.kind, 'equations');
  return t as EquationTrace;
};
const stepValue = (t: Trace, name: string): number | number[] => {
  const s = eqs(t).steps.find((x) => x.name === name);
  assert.ok(s, `no step ${name}`);
  return s.value;
};
const rows = (n: number, row: number[]): number[][] => Array.from({ length: n }, () => row);

/** The values of test/lecture (and the lecture tests of optim / normalization / losses), per id. */
const checks: Record<string, (ex: explain.LectureExample) => void> = {
  'seed004.conv1d': (ex) => {
    near(conv(ex.traces[0]).output, [3, 1, 0, 1, 1, 2], 'z');
    near(conv(ex.traces[1]).output, [3, 1, 0, 1, 1, 2], 'true convolution');
  },
  'seed004.conv1d-same': (ex) => near(conv(ex.traces[0]).output, [-7, 3, 1, 0, 1, 1, 2, -18], 'z'),
  'seed000.filter1d': (ex) => {
    near(conv(ex.traces[0]).output, [-2, -2, -2], 'correlation');
    assert.equal(conv(ex.traces[1]).operation, 'convolution');
    near(conv(ex.traces[1]).applied, [-1, 0, 1], 'flipped kernel');
    near(conv(ex.traces[1]).output, [2, 2, 2], 'convolution');
    assert.deepEqual(
      conv(ex.traces[0]).windows[0].terms.map((t) => t.input),
      [1, 2, 3],
    );
  },
  'seed001.box-filter-1d': (ex) => {
    near(conv(ex.traces[0]).output, [20, 40, 40, 30, 70 / 3, 30, 70 / 3], 'h');
    near(ex.answer['h(3)'], 30, 'h(3)');
  },
  'seed001.box-filter-2d': (ex) =>
    near(
      conv(ex.traces[0]).output,
      [
        [0, 10, 20, 30, 30, 30, 20, 10],
        [0, 20, 40, 60, 60, 60, 40, 20],
        [0, 30, 60, 90, 90, 90, 60, 30],
        [0, 30, 50, 80, 80, 90, 60, 30],
        [0, 30, 50, 80, 80, 90, 60, 30],
        [0, 20, 30, 50, 50, 60, 40, 20],
        [10, 20, 30, 30, 30, 30, 20, 10],
        [10, 10, 10, 0, 0, 0, 0, 0],
      ],
      'h',
      1e-3,
    ),
  'seed001.linear-filters': (ex) => {
    const img = conv(ex.traces[0]).input;
    near(conv(ex.traces[0]).output, img, 'identity');
    near(
      conv(ex.traces[1]).output,
      img.map((r) => [...r.slice(1), 0]),
      'correlation shifts left',
    );
    near(
      conv(ex.traces[2]).output,
      img.map((r) => [0, ...r.slice(0, -1)]),
      'convolution shifts right',
    );
    // sharpen = 2 * image - box average (zero padded)
    const box = (r: number, c: number): number => {
      let s = 0;
      for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) s += img[r + a]?.[c + b] ?? 0;
      return s / 9;
    };
    near(
      conv(ex.traces[3]).output,
      img.map((row, r) => row.map((v, c) => 2 * v - box(r, c))),
      'sharpen',
    );
  },
  'seed004.conv2d-5x5': (ex) =>
    near(
      conv(ex.traces[0]).output,
      [
        [2, 5, -1],
        [-15, -7, 2],
        [31, -6, 1],
      ],
      'feature map',
    ),
  'seed004.conv2d-stride2': (ex) => {
    near(
      conv(ex.traces[0]).output,
      [
        [2, -1],
        [31, 1],
      ],
      'stride 2',
    );
    near(
      conv(ex.traces[1]).output,
      [
        [-2, -3],
        [31, 1],
      ],
      'stride 2 with the -3 kernel',
    );
  },
  'seed004.conv2d-pad1': (ex) =>
    near(
      conv(ex.traces[0]).output,
      [
        [8, 2, 3, -4, 4],
        [-7, 2, 5, -1, 2],
        [26, -15, -7, 2, -1],
        [3, 31, -6, 1, -3],
        [-20, 2, 14, 3, 1],
      ],
      'padded',
    ),
  'seed000.vertical-edge': (ex) => {
    assert.deepEqual(conv(ex.traces[0]).outShape, [4, 4]);
    near(conv(ex.traces[0]).output, rows(4, [0, -30, -30, 0]), 'correlation');
    near(conv(ex.traces[1]).output, rows(4, [0, 30, 30, 0]), 'convolution');
  },
  'seed000.vertical-edge-stride2': (ex) =>
    near(
      conv(ex.traces[0]).output,
      [
        [0, -30],
        [0, -30],
      ],
      'stride 2',
    ),
  'seed002.edge-6x6': (ex) => {
    const t = conv(ex.traces[0]);
    assert.equal(t.windows.length, 16, '16 placements');
    near(t.windows[0].value, -2, 'first placement');
    near(t.output, [rows(1, [-2, -2, -2, -2])[0], [2, 2, 2, 2], [-2, -2, -2, -2], [2, 2, 2, 2]], 'map');
  },
  'seed000.output-size-table': (ex) => {
    near(
      ex.traces.slice(0, 3).map((t) => stepValue(t, 'out')),
      [30, 32, 17],
      'sizes',
    );
    near(
      ex.traces.slice(3).map((t) => stepValue(t, 'out')),
      [32, 32, 32],
      'same padding',
    );
  },
  'seed003.output-size-7x7': (ex) => {
    near(
      ex.traces.map((t) => stepValue(t, 'out')),
      [5, 3, 2, 7],
      'sizes',
    );
    near(stepValue(ex.traces[2], 'uncovered'), 1, 'stride 3 leaves one column');
  },
  'seed002.full-padding': (ex) => near(stepValue(ex.traces[0], 'out'), 9, 'full'),
  'seed000.conv-volume': (ex) => {
    near(stepValue(ex.traces[0], 'out'), 28, '32 - 5 + 1');
    near(stepValue(ex.traces[1], 'weights'), 450, 'weights');
    assert.equal(ex.answer.output, '28x28x6');
    // the activation at the top left, restated: 75 products of the patterned x and filter 0, plus 0.5
    let sum = 0.5;
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) sum += (((c + 2 * i + 3 * j) % 5) - 2) * (((c * i + j) % 3) - 1);
    near(stepValue(ex.traces[2], 'y[0,0,0]'), sum, 'one activation');
    near(eqs(ex.traces[2]).steps[1].fromOp, sum, 'one activation from F.conv2d');
  },
  'seed003.conv-params-760': (ex) => {
    near(stepValue(ex.traces[0], 'out'), 32, 'pad 2 keeps 32');
    near(stepValue(ex.traces[1], 'parameters'), 760, 'parameters');
  },
  'seed000.receptive-field': (ex) =>
    near(
      eqs(ex.traces[0]).steps.map((s) => s.fromOp as number),
      [9, 25, 49],
      'footprints',
    ),
  'seed003.shrinking-volumes': (ex) => near(ex.answer.sizes, [28, 24], '32 -> 28 -> 24'),
  'seed001.convnet-shapes': (ex) => {
    assert.equal(ex.answer['after conv'], '10x32x32');
    assert.equal(ex.answer['after pool'], '10x16x16');
  },
  'seed004.output-size-formula': (ex) => near(stepValue(ex.traces[0], 'out'), (5 - 3 + 2) / 2 + 1, 'H2'),
  'seed004.maxpool-2x2': (ex) =>
    near(
      pool(ex.traces[0]).output,
      [
        [3, 12, 4],
        [4, 3, 2],
        [3, 6, 9],
      ],
      'pooled',
    ),
  'seed001.maxpool-backward': (ex) => {
    near(stepValue(ex.traces[1], 'indices'), [0, 9, 5, 12, 15, 16, 24, 27, 35], 'indices');
    const g = new Array<number>(36).fill(0);
    [0, 9, 5, 12, 15, 16, 24, 27, 35].forEach((p, i) => {
      g[p] = i + 1;
    });
    near(stepValue(ex.traces[1], 'dL/dx'), g, 'gradient');
  },
  'seed000.maxpool-3x3': (ex) =>
    near(
      pool(ex.traces[0]).output,
      [
        [10, 0],
        [10, 0],
      ],
      'pooled',
    ),
  'seed000.avgpool-3x3': (ex) => {
    near(
      pool(ex.traces[0]).output,
      [
        [4, 1 / 3],
        [10 / 3, 1 / 3],
      ],
      'pooled',
      1e-6,
    );
    assert.deepEqual(
      flat(pool(ex.traces[0]).output).map((v) => Math.round(v * 10) / 10),
      [4, 0.3, 3.3, 0.3],
    );
  },
  'seed001.channel-pool': (ex) => {
    assert.equal(ex.answer['peak for the vertical-edge image'], 30);
    assert.equal(ex.answer['peak for the horizontal-edge image'], 30);
    assert.equal(
      Math.max(...flat(conv(ex.traces[2]).output)),
      0,
      'the vertical filter alone misses the horizontal edge',
    );
  },
  'seed000.backprop': (ex) => {
    const t = ex.traces[0];
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const a1 = sig(0.8 * 0.5 + 0.1),
      a2 = sig(-1.2 * a1 + 0.3);
    const dz2 = (a2 - 1) * a2 * (1 - a2),
      dz1 = dz2 * -1.2 * a1 * (1 - a1);
    near(stepValue(t, 'L'), 0.5 * (1 - a2) ** 2, 'L');
    near(
      [stepValue(t, 'dw2'), stepValue(t, 'dz2'), stepValue(t, 'dw1'), stepValue(t, 'dz1')],
      [dz2 * a1, dz2, dz1 * 0.5, dz1],
      'gradients',
      1e-6,
    );
    near(stepValue(t, "w1'"), 0.8 - 0.1 * dz1 * 0.5, 'update', 1e-6);
  },
  'seed000.batch-norm': (ex) => {
    // normalization.test.ts: channel 0 [1, 3], channel 1 [2, 6], gamma [2, 1], beta [0.5, -1]
    const eps = 1e-5,
      a = 1 / Math.sqrt(1 + eps),
      b = 2 / Math.sqrt(4 + eps);
    near(stepValue(ex.traces[0], 'y [channel 0]'), [-2 * a + 0.5, 2 * a + 0.5], 'y0', 1e-6);
    near(stepValue(ex.traces[0], 'y [channel 1]'), [-b - 1, b - 1], 'y1', 1e-6);
    near(
      [stepValue(ex.traces[0], 'running_mean [channel 0]'), stepValue(ex.traces[0], 'running_var [channel 1]')],
      [0.2, 0.9 + 0.8],
      'running',
      1e-6,
    );
  },
  'seed001.dropout': (ex) => {
    const mask = stepValue(ex.traces[0], 'mask') as number[];
    assert.ok(
      mask.every((m) => m === 0 || m === 2),
      'kept entries are scaled by 1/(1-p) = 2',
    );
    assert.ok(mask.includes(0) && mask.includes(2), 'seed 0 drops some and keeps some of 8');
    near(
      stepValue(ex.traces[0], 'y'),
      [1, 2, 3, 4, 5, 6, 7, 8].map((v, i) => v * mask[i]),
      'y',
    );
    near(explain.lectureExample('seed001.dropout').answer.y, ex.answer.y, 'the seeded mask repeats');
  },
  'seed001.transposed-conv': (ex) => {
    // hand scatter: x[i][j] * k added at (2i + a, 2j + b)
    const x = [
        [1, 2],
        [3, 4],
      ],
      k = [
        [1, 0, -1],
        [2, 1, 0],
        [0, 1, 1],
      ];
    const out = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) out[2 * i + a][2 * j + b] += x[i][j] * k[a][b];
    near(ex.traces[0].kind === 'convTranspose2d' ? ex.traces[0].output : [], out, 'upsampled');
  },
  'seed001.dilated-conv': (ex) => {
    const t = conv(ex.traces[0]);
    assert.deepEqual(t.outShape, [1, 1]);
    // taps at rows/cols 0, 2, 4 of x[r][c] = 5r + c + 1
    const k = [
      [1, -1, 0],
      [0, 2, -2],
      [-1, 0, 2],
    ];
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += (5 * 2 * a + 2 * b + 1) * k[a][b];
    near(t.output, [[s]], 'dilated');
  },
  'seed003.activations': (ex) => {
    // activation.test.ts: relu, sigmoid and tanh at -2, -0.5, 0, 0.5, 2
    const a = [-2, -0.5, 0, 0.5, 2];
    near(stepValue(ex.traces[0], 'ReLU'), [0, 0, 0, 0.5, 2], 'relu');
    near(
      stepValue(ex.traces[0], 'sigmoid'),
      a.map((v) => 1 / (1 + Math.exp(-v))),
      'sigmoid',
      1e-6,
    );
    near(stepValue(ex.traces[0], 'tanh'), a.map(Math.tanh), 'tanh', 1e-6);
  },
  'seed003.momentum': (ex) => {
    // optimizers.test.ts: w1 = w0 - eta g1; w2 = w1 - alpha eta g1 - eta g2; w3 = w2 - alpha^2 eta g1 - alpha eta g2 - eta g3
    const eta = 0.1,
      alpha = 0.5,
      g = [1, -2, 4],
      w0 = 3;
    const w1 = w0 - eta * g[0];
    const w2 = w1 - alpha * eta * g[0] - eta * g[1];
    const w3 = w2 - alpha ** 2 * eta * g[0] - alpha * eta * g[1] - eta * g[2];
    near(ex.answer.w, [w1, w2, w3], 'w', 1e-6);
  },
  'seed003.softmax-cross-entropy': (ex) => {
    near(stepValue(ex.traces[0], 'L'), 0.40760596444438, 'loss', 1e-6);
    const e = [1, 2, 3].map(Math.exp),
      s = e[0] + e[1] + e[2];
    near(
      stepValue(ex.traces[0], 'p'),
      e.map((v) => v / s),
      'p',
      1e-6,
    );
    near(stepValue(ex.traces[0], 'dL/dz'), [e[0] / s, e[1] / s, e[2] / s - 1], 'gradient', 1e-6);
  },
};

/** The notes' slips: id -> [where (substring), printed, right]. */
const slips: Record<string, [string, unknown, unknown][]> = {
  'seed004.conv2d-5x5': [['y[2,1]', -8, -6]],
  'seed001.box-filter-1d': [['h(4)', 20, 70 / 3]],
  'seed000.filter1d': [['third product', '(2 * -1)', '(3 * -1)']],
  'seed000.vertical-edge': [
    ['shape', '3x4', '4x4'],
    ['cross-correlation', 30, -30],
    ['true convolution', -30, 30],
  ],
  'seed000.vertical-edge-stride2': [
    [
      'output',
      '3x4 [[0 30 -30 0] x3] (the stride-1 matrix repeated)',
      [
        [0, -30],
        [0, -30],
      ],
    ],
  ],
  'seed000.backprop': [['dL/da1', 'dz2 * a1', null]],
  'seed003.activations': [['tanh numerator', 'e^a e^-a (= 1 for every a', Math.tanh(2)]],
};

test('the registry covers every worked example of test/lecture, with stable ids and sources', () => {
  const ids = explain.listLectureExamples().map((e) => e.id);
  assert.deepEqual([...ids].sort(), Object.keys(checks).sort(), 'every id has its check and every check its id');
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const e of explain.listLectureExamples()) {
    assert.match(e.id, /^seed00[0-4]\.[a-z0-9-]+$/);
    assert.equal(e.id.slice(4, 7), e.lecture);
    assert.ok(e.title.length > 10 && e.section.length > 5, `${e.id} has a title and a section`);
  }
});

for (const [id, check] of Object.entries(checks)) {
  test(`${id}: trace numbers, op agreement and slips`, () => {
    const ex = explain.lectureExample(id);
    assert.equal(ex.id, id);
    assert.ok(ex.traces.length > 0);
    ex.traces.forEach((t, i) => selfConsistent(t, `${id} trace ${i}`));
    check(ex);
    const want = slips[id] ?? [];
    assert.equal(ex.slips.length, want.length, `${id}: ${ex.slips.length} slips reported`);
    want.forEach(([where, printed, right], i) => {
      const s = ex.slips[i];
      assert.ok(s.where.includes(where), `${id}: slip ${i} at '${s.where}'`);
      if (typeof printed === 'string')
        assert.ok(String(s.printed).startsWith(printed), `${id}: printed ${String(s.printed)}`);
      else near(s.printed, printed, `${id} printed`);
      if (right !== null) {
        if (typeof right === 'string') assert.equal(s.right, right);
        else near(s.right, right, `${id} right`);
      }
      assert.ok(s.step.length > 20, `${id}: the step that goes wrong is named`);
      assert.notDeepEqual(s.printed, s.right, `${id}: a slip differs from the right value`);
    });
    const text = explain.renderLectureExample(ex);
    assert.ok(text.startsWith(`${id}: `));
    assert.ok(!text.includes('MISMATCH'), `${id}: no mismatch between hand sums and ops`);
    for (const s of ex.slips) assert.ok(text.includes(`SLIP at ${s.where}`), `${id}: the text names the slip`);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(ex)), 'the example is plain JSON');
  });
}

test("seed000.backprop: the slide's dz2 * a1 and the right dz2 * w2 both appear with numbers", () => {
  const ex = explain.lectureExample('seed000.backprop');
  const t = ex.traces[0];
  const dz2 = stepValue(t, 'dz2') as number;
  near(ex.slips[0].right, dz2 * -1.2, 'right = dz2 * w2', 1e-9);
  assert.ok(String(ex.slips[0].printed).includes(String(Number((dz2 * (stepValue(t, 'a1') as number)).toFixed(4)))));
});

test("the 5x5 slip names the window sum: the slide's nine products, summed to -6", () => {
  const ex = explain.lectureExample('seed004.conv2d-5x5');
  assert.ok(
    ex.slips[0].step.includes('0*1 + 2*(-1) + 0*0 + 12*0 + 0*2 + 1*(-2) + 6*(-1) + 3*0 + 2*2 = -6'),
    ex.slips[0].step,
  );
  const text = explain.renderLectureExample(ex);
  assert.ok(text.includes('the note prints -8; the right value is -6'), text);
});

test('an unknown id is an error that lists the ids of that lecture', () => {
  assert.throws(
    () => explain.lectureExample('seed004.nope'),
    /no lecture example 'seed004\.nope'.*seed004\.conv2d-5x5/,
  );
  assert.throws(() => explain.lectureExample('bogus'), /convkit explain lecture/);
});
