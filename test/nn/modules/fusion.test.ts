/**
 * Inference fusion in Sequential (src/nn/fusion.ts): Conv2d / Linear with an eval-mode batch
 * norm folded in and ReLU / LeakyReLU fused give the unfused results within 1e-5, never change
 * a parameter, buffer or the state_dict, and step aside for hooks, training-mode batch norm,
 * recorded graphs and subclasses. Whether a pattern was fused is seen by counting the
 * backend's kernel calls (the fused path runs no batchNormForward).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, manualSeed, nn, noGrad, randn, type Tensor } from '../../../src/index.js';
import { kernelSource } from '../../../src/backend/index.js';
import { conv2dActInference } from '../../../src/nn/functional/conv.js';
import { assertClose } from '../../helpers/check.js';

type Counts = Record<'batchNormForward' | 'conv2d' | 'conv2dAct' | 'conv2dActPool' | 'maxPool2d' | 'unary', number>;

/** Runs fn counting some kernel calls on the current backend (restored after). */
function counting<T>(fn: () => T): [T, Counts] {
  const be = getBackend() as unknown as Record<string, (...a: unknown[]) => void>;
  const counts: Counts = { batchNormForward: 0, conv2d: 0, conv2dAct: 0, conv2dActPool: 0, maxPool2d: 0, unary: 0 };
  const saved = new Map<string, (...a: unknown[]) => void>();
  for (const k of Object.keys(counts) as (keyof Counts)[]) {
    const orig = be[k];
    saved.set(k, orig);
    be[k] = (...a: unknown[]) => {
      counts[k]++;
      orig.apply(be, a);
    };
  }
  try {
    return [fn(), counts];
  } finally {
    for (const [k, f] of saved) be[k] = f;
  }
}

/** Random affine parameters and running statistics, so that folding is not the identity. */
function randomizeNorm(bn: nn.BatchNorm1d | nn.BatchNorm2d): void {
  const c = bn.numFeatures;
  const r = (lo: number, hi: number): Float32Array => {
    const a = randn([c]).f32;
    return a.map((v) => lo + (hi - lo) * (0.5 + 0.25 * v));
  };
  (bn.running_mean as Tensor).f32.set(r(-0.5, 0.5));
  (bn.running_var as Tensor).f32.set(r(0.3, 2));
  (bn.weight as Tensor).f32.set(r(0.5, 1.5));
  (bn.bias as Tensor).f32.set(r(-0.3, 0.3));
}

function model(): nn.Sequential {
  const m = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { paddingMode: 'reflect', padding: 1, bias: false }),
    new nn.BatchNorm2d(16),
    new nn.Conv2d(16, 16, 3, { stride: 2 }),
    new nn.LeakyReLU(0.2),
    new nn.Flatten(),
    new nn.Linear(16 * 2 * 2, 32),
    new nn.BatchNorm1d(32),
    new nn.ReLU(),
    new nn.Linear(32, 10),
  );
  for (const mod of m.modules()) if (mod instanceof nn.BatchNorm1d || mod instanceof nn.BatchNorm2d) randomizeNorm(mod);
  return m;
}

function unfused<T>(fn: () => T): T {
  const prev = nn.setInferenceFusion(false);
  try {
    return fn();
  } finally {
    nn.setInferenceFusion(prev);
  }
}

function snapshot(m: nn.Module): Map<string, Tensor['data']> {
  const s = new Map<string, Tensor['data']>();
  for (const [k, t] of m.stateDict()) s.set(k, t.data.slice());
  return s;
}

test('fusion: eval model under noGrad equals the unfused run within 1e-5; BN folded, conv2dAct used', () => {
  manualSeed(3);
  const m = model().eval();
  const x = randn([4, 3, 12, 12]);
  const [want, slow] = counting(() => unfused(() => noGrad(() => m.call(x))));
  const [got, fast] = counting(() => noGrad(() => m.call(x)));
  assertClose(got, want, { atol: 1e-5, rtol: 1e-5, msg: 'fused vs unfused' });
  assert.equal(slow.batchNormForward, 3, 'unfused runs every batch norm');
  assert.equal(fast.batchNormForward, 0, 'fused folds every batch norm');
  assert.equal(slow.conv2dAct, 0);
  assert.equal(slow.conv2dActPool, 0);
  if (kernelSource(getBackend(), 'conv2dActPool') === 'backend') {
    // Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d is one kernel; the LeakyReLU conv has no pool after it
    assert.equal(fast.conv2dActPool, 1);
    assert.equal(fast.maxPool2d, 0);
    assert.equal(fast.conv2dAct, 1);
  } else if (kernelSource(getBackend(), 'conv2dAct') === 'backend') assert.equal(fast.conv2dAct, 2);
  else assert.equal(fast.conv2d, 3);
});

test('fusion: parameters, buffers and the state_dict are unchanged', () => {
  manualSeed(4);
  const m = model().eval();
  const before = snapshot(m);
  const params = m.parameters();
  noGrad(() => m.call(randn([2, 3, 12, 12])));
  noGrad(() => m.call(randn([3, 3, 12, 12])));
  const after = m.stateDict();
  assert.deepEqual([...after.keys()], [...before.keys()]);
  for (const [k, v] of before) assert.deepEqual((after.get(k) as Tensor).data, v, k);
  assert.deepEqual(m.parameters(), params);
});

test('fusion: unbatched input and Conv2d + ReLU without batch norm', () => {
  manualSeed(5);
  const m = new nn.Sequential(new nn.Conv2d(2, 4, 3), new nn.ReLU(), new nn.Conv2d(4, 3, 1), new nn.ReLU());
  const x = randn([2, 7, 9]);
  const want = unfused(() => noGrad(() => m.call(x)));
  const [got, c] = counting(() => noGrad(() => m.call(x)));
  assert.deepEqual(got.shape, [3, 5, 7]);
  assertClose(got, want, { atol: 1e-6, rtol: 1e-6 });
  assert.equal(c.unary + c.conv2dAct, 2, 'one activation per fused conv, no separate ReLU call besides');
});

test('fusion: steps aside when a graph is recorded (grad mode, parameters requiring grad)', () => {
  manualSeed(6);
  const m = model().eval();
  const x = randn([2, 3, 12, 12]);
  const [y, c] = counting(() => m.call(x));
  assert.equal(c.batchNormForward, 3);
  assert.ok(y.gradFn !== null, 'the output has a graph');
  y.sum().backward();
  assert.ok(m.at(0).parameters()[0].grad !== null, 'gradients reach the first conv');
  // with nothing requiring grad, grad mode alone does not prevent fusion
  for (const p of m.parameters()) p.requiresGrad = false;
  const [, c2] = counting(() => m.call(x));
  assert.equal(c2.batchNormForward, 0);
});

test('fusion: training-mode batch norm is not folded; hooks and subclasses run unfused', () => {
  manualSeed(7);
  const m = model(); // training mode
  const x = randn([4, 3, 12, 12]);
  const [, c] = counting(() => noGrad(() => m.call(x)));
  assert.equal(c.batchNormForward, 3);

  m.eval();
  const seen: (readonly number[])[] = [];
  const h = m.at(1).registerForwardHook((_mod, _in, out) => seen.push(out.shape));
  const want = unfused(() => noGrad(() => m.call(x)));
  const [got, c2] = counting(() => noGrad(() => m.call(x)));
  h.remove();
  assert.equal(c2.batchNormForward, 1, 'the hooked batch norm runs; the others fold');
  assert.deepEqual(seen, [
    [4, 8, 12, 12],
    [4, 8, 12, 12],
  ]);
  assertClose(got, want, { atol: 1e-5, rtol: 1e-5 });

  class MyReLU extends nn.ReLU {
    override forward(t: Tensor): Tensor {
      return super.forward(t).mul(2);
    }
  }
  const s = new nn.Sequential(new nn.Conv2d(1, 2, 3), new MyReLU());
  const xs = randn([1, 1, 5, 5]);
  assertClose(
    noGrad(() => s.call(xs)),
    unfused(() => noGrad(() => s.call(xs))),
    { atol: 0, rtol: 0 },
  );
});

test('conv2dActInference refuses an input that requires grad in grad mode', () => {
  const x = randn([1, 1, 4, 4]).requiresGrad_();
  const w = randn([1, 1, 3, 3]);
  assert.throws(() => conv2dActInference(x, w, null, {}, { op: 'relu', alpha: 0 }), /inference-only.*requires grad/);
  assert.deepEqual(noGrad(() => conv2dActInference(x, w, null, {}, { op: 'relu', alpha: 0 })).shape, [1, 1, 2, 2]);
});

test('setInferenceFusion takes a boolean and returns the previous setting', () => {
  assert.equal(nn.inferenceFusionEnabled(), true);
  assert.equal(nn.setInferenceFusion(false), true);
  assert.equal(nn.inferenceFusionEnabled(), false);
  assert.equal(nn.setInferenceFusion(true), false);
  assert.throws(() => nn.setInferenceFusion('no' as unknown as boolean), /setInferenceFusion: expected true or false/);
});

test('fusion: Conv2d [-> BatchNorm2d] -> ReLU | LeakyReLU -> MaxPool2d equals the unfused run (LeNet, pool options)', () => {
  manualSeed(11);
  const fused = kernelSource(getBackend(), 'conv2dActPool') === 'backend';
  const lenet = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 10),
  ).eval();
  const pools: [string, nn.Sequential, Tensor][] = [
    ['LeNet-5', lenet, randn([5, 1, 28, 28])],
    ['LeNet-5, batch 1', lenet, randn([1, 1, 28, 28])],
    [
      'BN + leaky, 3x3 window stride 2 padding 1, ceil mode',
      new nn.Sequential(
        new nn.Conv2d(3, 10, 3, { padding: 1 }),
        new nn.BatchNorm2d(10),
        new nn.LeakyReLU(0.1),
        new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
      ).eval(),
      randn([3, 3, 11, 9]),
    ],
    [
      'dilated pool, strided conv, 20 channels (the fallback)',
      new nn.Sequential(
        new nn.Conv2d(5, 20, 3, { stride: 2, padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d([2, 3], { dilation: 2, stride: 1 }),
      ).eval(),
      randn([2, 5, 15, 13]),
    ],
    [
      'Fashion-like 64 channels (Winograd conv, the pool fused)',
      new nn.Sequential(new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2)).eval(),
      randn([2, 32, 8, 8]),
    ],
    [
      'unbatched input: not the pool',
      new nn.Sequential(new nn.Conv2d(2, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2)),
      randn([2, 9, 9]),
    ],
  ];
  for (const m of [pools[2][1]]) for (const mod of m.modules()) if (mod instanceof nn.BatchNorm2d) randomizeNorm(mod);
  for (const [what, m, x] of pools) {
    const want = unfused(() => noGrad(() => m.call(x)));
    const [got, c] = counting(() => noGrad(() => m.call(x)));
    assert.deepEqual(got.shape, want.shape, what);
    assertClose(got, want, { atol: 1e-5, rtol: 1e-5, msg: what });
    const batched = x.ndim === 4;
    const convs = what.startsWith('LeNet') ? 2 : 1;
    assert.equal(c.conv2dActPool, fused && batched ? convs : 0, `${what}: conv2dActPool calls`);
    assert.equal(c.maxPool2d, fused && batched ? 0 : convs, `${what}: maxPool2d calls`);
  }
});

test('fusion: a MaxPool2d with a hook, a subclass or no activation before it runs on its own', () => {
  manualSeed(12);
  class MyPool extends nn.MaxPool2d {}
  const hooked = new nn.MaxPool2d(2);
  let seen = 0;
  hooked.registerForwardHook(() => {
    seen++;
  });
  const x = randn([2, 3, 8, 8]);
  for (const [what, pool, act] of [
    ['hook', hooked, true],
    ['subclass', new MyPool(2), true],
    ['no activation', new nn.MaxPool2d(2), false],
  ] as const) {
    const m = new nn.Sequential(new nn.Conv2d(3, 4, 3), ...(act ? [new nn.ReLU()] : []), pool).eval();
    const want = unfused(() => noGrad(() => m.call(x)));
    const [got, c] = counting(() => noGrad(() => m.call(x)));
    assertClose(got, want, { atol: 1e-6, rtol: 1e-6, msg: what });
    assert.equal(c.conv2dActPool, 0, what);
    assert.equal(c.maxPool2d, 1, what);
  }
  assert.equal(seen, 2, 'the hook saw both runs');
});
