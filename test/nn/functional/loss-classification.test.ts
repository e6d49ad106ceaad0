import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, rand, randint, randn, tensor, zeros, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

const REDUCTIONS: F.Reduction[] = ['mean', 'sum', 'none'];

/** Rows of a 2-D tensor as JS arrays. */
function rows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

test("crossEntropy: known values and the lectures' formulas", () => {
  // -log softmax([1, 2, 3])[2] = log(e + e^2 + e^3) - 3
  assertClose(
    F.crossEntropy(tensor([[1, 2, 3]]), tensor([2], { dtype: 'int32' })),
    [Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3],
    { atol: 1e-6 },
  );
  assertClose(F.crossEntropy(tensor([[1, 2, 3]]), tensor([2], { dtype: 'int32' })), [0.40760596444438], { atol: 1e-6 });
  manualSeed(1);
  const z = randn([5, 4]).mul(2),
    y = randint(0, 4, [5]);
  // lecture 003: F(W) = sum_n ln(1 + sum_{k != y_n} e^{(w_k - w_{y_n})^T x_n}), the summed cross-entropy
  let lecture = 0;
  rows(z).forEach((r, n) => {
    const yn = y.data[n];
    lecture += Math.log(1 + r.reduce((s, v, k) => (k === yn ? s : s + Math.exp(v - r[yn])), 0));
  });
  assertClose(F.crossEntropy(z, y, { reduction: 'sum' }), [lecture], { atol: 1e-4, rtol: 1e-5 });
  // lecture 000: categorical cross-entropy -1/N sum_i sum_k y_ik log(yhat_ik) with yhat = softmax
  const soft = F.softmax(randn([5, 4]), 1);
  const yhat = rows(F.softmax(z, 1));
  let cce = 0;
  rows(soft).forEach((r, i) =>
    r.forEach((t, k) => {
      cce -= t * Math.log(yhat[i][k]);
    }),
  );
  assertClose(F.crossEntropy(z, soft), [cce / 5], { atol: 1e-5 });
  // one-hot probabilities equal class indices
  const onehot = zeros([5, 4]);
  y.data.forEach((c, i) => {
    onehot.data[i * 4 + c] = 1;
  });
  assertClose(F.crossEntropy(z, onehot), F.crossEntropy(z, y), { atol: 1e-6 });
});

test('crossEntropy gradient is (softmax - onehot) / N', () => {
  manualSeed(2);
  const z = randn([3, 5]).requiresGrad_(),
    y = tensor([4, 0, 2], { dtype: 'int32' });
  F.crossEntropy(z, y).backward();
  const p = rows(F.softmax(z.detach(), 1));
  const expected = p.map((r, i) => r.map((v, k) => (v - (k === y.data[i] ? 1 : 0)) / 3));
  assertClose(z.grad as Tensor, expected, { atol: 1e-6 });
});

test('crossEntropy: class weights, ignoreIndex and label smoothing follow PyTorch', () => {
  const z = tensor([
    [2, 0, -1],
    [0.5, 1.5, 0],
    [1, 1, 1],
    [0, -2, 3],
  ]);
  const y = tensor([0, 1, -100, 2], { dtype: 'int32' });
  const w = tensor([1, 2, 0.5]);
  const lp = rows(F.logSoftmax(z, 1));
  const nll = [-lp[0][0], -lp[1][1], 0, -lp[3][2]];
  const wy = [1, 2, 0, 0.5];
  // 'mean' divides by the summed weights of the non-ignored targets
  const weighted = nll.reduce((s, v, i) => s + wy[i] * v, 0);
  assertClose(F.crossEntropy(z, y, { weight: w }), [weighted / 3.5], { atol: 1e-6 });
  assertClose(F.crossEntropy(z, y, { weight: w, reduction: 'sum' }), [weighted], { atol: 1e-5 });
  assertClose(
    F.crossEntropy(z, y, { weight: w, reduction: 'none' }),
    nll.map((v, i) => v * wy[i]),
    { atol: 1e-6 },
  );
  assertClose(F.crossEntropy(z, y), [(nll[0] + nll[1] + nll[3]) / 3], { atol: 1e-6 });
  assertClose(
    F.crossEntropy(z, tensor([0, 1, 2, 2], { dtype: 'int32' }), { ignoreIndex: 2 }),
    [(nll[0] + nll[1]) / 2],
    { atol: 1e-6 },
  );
  // label smoothing s: (1 - s) * nll + s / C * sum_k -w_k log p_k, the same denominator
  const s = 0.3;
  const smooth = lp.map((r) => -r.reduce((a, v, k) => a + [1, 2, 0.5][k] * v, 0));
  const per = [0, 1, 3].map((i) => (1 - s) * wy[i] * nll[i] + (s / 3) * smooth[i]);
  assertClose(F.crossEntropy(z, y, { weight: w, labelSmoothing: s }), [(per[0] + per[1] + per[2]) / 3.5], {
    atol: 1e-6,
  });
  const plainSmooth = [0, 1, 3].map((i) => (1 - s) * nll[i] + (s / 3) * -lp[i].reduce((a, v) => a + v, 0));
  assertClose(
    F.crossEntropy(z, y, { labelSmoothing: s, reduction: 'none' }),
    [plainSmooth[0], plainSmooth[1], 0, plainSmooth[2]],
    { atol: 1e-6 },
  );
  // all targets ignored: the mean is 0/0 = NaN, as in PyTorch
  assert.ok(Number.isNaN(F.crossEntropy(z, tensor([-100, -100, -100, -100], { dtype: 'int32' })).item()));
});

test('crossEntropy on (N, C, H, W) logits equals the flattened (N*H*W, C) problem', () => {
  manualSeed(3);
  const z = randn([2, 3, 2, 2]),
    y = randint(0, 3, [2, 2, 2]);
  const flat = z.permute(0, 2, 3, 1).reshape(8, 3);
  for (const reduction of REDUCTIONS) {
    const a = F.crossEntropy(z, y, { reduction });
    const b = F.crossEntropy(flat, y.reshape(8), { reduction });
    assertClose(a, b, { atol: 1e-6, msg: reduction });
    if (reduction === 'none') assert.deepEqual(a.shape, [2, 2, 2]);
  }
  // unbatched (C) logits with a scalar target
  assertClose(F.crossEntropy(tensor([1, 2, 3]), tensor(2, { dtype: 'int32' })), [0.40760596444438], { atol: 1e-6 });
  // whole-number float targets of the index shape are read as class indices
  assertClose(F.crossEntropy(z, y.float()), F.crossEntropy(z, y), { atol: 1e-7 });
});

test('crossEntropy stays finite and exact for logits of +-1e4', () => {
  const z = tensor(
    [
      [1e4, -1e4, 0],
      [-1e4, 1e4, 5],
    ],
    { requiresGrad: true },
  );
  const loss = F.crossEntropy(z, tensor([1, 1], { dtype: 'int32' }), { reduction: 'none' });
  assertClose(loss, [2e4, 0]);
  loss.sum().backward();
  assertClose(z.grad as Tensor, [
    [1, -1, 0],
    [0, 0, 0],
  ]);
  const zp = tensor([[1e4, -1e4, 0]], { requiresGrad: true });
  const lp = F.crossEntropy(zp, tensor([[0.5, 0.5, 0]]), { labelSmoothing: 0.1 });
  assert.ok(Number.isFinite(lp.item()));
  lp.backward();
  assert.ok(Array.from((zp.grad as Tensor).data).every(Number.isFinite));
});

test('crossEntropy gradients by finite differences (index and probability targets)', () => {
  manualSeed(4);
  for (const reduction of REDUCTIONS) {
    for (const labelSmoothing of [0, 0.25]) {
      const w = rand([4]).add(0.5);
      const y = tensor([3, 0, -100, 1, 2], { dtype: 'int32' });
      gradcheck((a) => F.crossEntropy(a, y, { reduction, labelSmoothing, weight: w }), [randn([5, 4]).mul(2)], {
        msg: `index ${reduction} ${labelSmoothing}`,
      });
      gradcheck((a) => F.crossEntropy(a, y, { reduction, labelSmoothing }), [randn([5, 4])], {
        msg: `index unweighted ${reduction} ${labelSmoothing}`,
      });
      gradcheck(
        (a, t) => F.crossEntropy(a, t, { reduction, labelSmoothing, weight: w }),
        [randn([3, 4, 2]), rand([3, 4, 2])],
        { msg: `probs ${reduction} ${labelSmoothing}` },
      );
    }
  }
  const ys = randint(0, 3, [2, 2, 3]);
  gradcheck((a) => F.crossEntropy(a, ys), [randn([2, 3, 2, 3])], { msg: 'spatial' });
});

test('crossEntropy errors name the shapes and values at fault', () => {
  const z = zeros([4, 10]);
  assert.throws(() => F.crossEntropy(z, zeros([5], { dtype: 'int32' })), {
    message: 'crossEntropy: logits [4, 10] and target [5] disagree on the batch size',
  });
  assert.throws(
    () => F.crossEntropy(z, tensor([0, 1, 10, 2], { dtype: 'int32' })),
    /crossEntropy: target 10 is out of range for 10 classes \(at position 2\)/,
  );
  assert.throws(
    () => F.crossEntropy(z, tensor([0, 1, -1, 2], { dtype: 'int32' })),
    /crossEntropy: target -1 is out of range/,
  );
  assert.throws(
    () => F.crossEntropy(z, zeros([4, 9])),
    /crossEntropy: class-probability target \[4, 9\] must have the logits' shape \[4, 10\]/,
  );
  assert.throws(
    () => F.crossEntropy(zeros([4, 3, 5]), zeros([4, 6], { dtype: 'int32' })),
    /crossEntropy: class-index target \[4, 6\] must have shape \[4, 5\] for input \[4, 3, 5\]/,
  );
  assert.throws(
    () => F.crossEntropy(z, tensor([0, 1, 2.5, 2])),
    /crossEntropy: float target \[4\] holds 2.5, which is not a class index/,
  );
  assert.throws(
    () => F.crossEntropy(z, zeros([4], { dtype: 'int32' }), { weight: zeros([5]) }),
    /crossEntropy: weight \[5\] must have shape \[10\] \(one per class\)/,
  );
  assert.throws(
    () => F.crossEntropy(z, zeros([4], { dtype: 'int32' }), { reduction: 'avg' as F.Reduction }),
    /crossEntropy: reduction must be 'mean', 'sum', 'none', got 'avg'/,
  );
  assert.throws(
    () => F.crossEntropy(z, zeros([4], { dtype: 'int32' }), { labelSmoothing: 1.5 }),
    /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/,
  );
});

test('nllLoss on log-probabilities, weighted and ignored', () => {
  manualSeed(5);
  const z = randn([4, 3]);
  const lp = F.logSoftmax(z, 1);
  const y = tensor([2, 0, 1, -100], { dtype: 'int32' });
  const w = tensor([0.5, 2, 1]);
  for (const reduction of REDUCTIONS) {
    assertClose(F.nllLoss(lp, y, { reduction, weight: w }), F.crossEntropy(z, y, { reduction, weight: w }), {
      atol: 1e-6,
      msg: reduction,
    });
  }
  const l = rows(lp);
  assertClose(F.nllLoss(lp, y, { weight: w }), [(-1 * l[0][2] - 0.5 * l[1][0] - 2 * l[2][1]) / 3.5], { atol: 1e-6 });
  for (const reduction of REDUCTIONS) {
    gradcheck((a) => F.nllLoss(a, y, { reduction, weight: w }), [randn([4, 3])], { msg: `nll ${reduction}` });
  }
  const ys = randint(0, 3, [2, 4]);
  gradcheck((a) => F.nllLoss(a, ys), [randn([2, 3, 4])], { msg: 'nll spatial' });
  assert.throws(
    () => F.nllLoss(lp, tensor([0, 3, 1, 1], { dtype: 'int32' })),
    /nllLoss: target 3 is out of range for 3 classes/,
  );
});

test("binaryCrossEntropy: the lecture's formula, PyTorch's -100 log clamp, gradients", () => {
  // lecture 000: L = -[y log yhat + (1 - y) log(1 - yhat)]
  const p = tensor([0.8, 0.8, 0.5, 0.1]),
    y = tensor([1, 0, 1, 0.3]);
  const expected = [0.8, 0.8, 0.5, 0.1].map(
    (v, i) => -([1, 0, 1, 0.3][i] * Math.log(v) + (1 - [1, 0, 1, 0.3][i]) * Math.log(1 - v)),
  );
  assertClose(F.binaryCrossEntropy(p, y, { reduction: 'none' }), expected, { atol: 1e-6 });
  assertClose(F.binaryCrossEntropy(p, y), [expected.reduce((a, b) => a + b) / 4], { atol: 1e-6 });
  // log(0) is clamped to -100, so certain-but-wrong predictions cost 100, not Infinity
  const edge = tensor([0, 1, 1, 0], { requiresGrad: true });
  const l = F.binaryCrossEntropy(edge, tensor([1, 0, 1, 0]), { reduction: 'none' });
  assertClose(l, [100, 100, 0, 0]);
  l.sum().backward();
  assert.ok(Array.from((edge.grad as Tensor).data).every(Number.isFinite));
  // weights broadcast over the input
  assertClose(
    F.binaryCrossEntropy(tensor([[0.8, 0.8]]), tensor([[1, 0]]), { weight: tensor([2, 0.5]), reduction: 'sum' }),
    [-2 * Math.log(0.8) - 0.5 * Math.log(0.2)],
    { atol: 1e-6 },
  );
  manualSeed(6);
  for (const reduction of REDUCTIONS) {
    const wb = rand([3]);
    gradcheck(
      (a, t) => F.binaryCrossEntropy(a, t, { reduction, weight: wb }),
      [rand([4, 3]).mul(0.8).add(0.1), rand([4, 3])],
      { msg: `bce ${reduction}`, eps: 1e-3 },
    );
  }
  assert.throws(
    () => F.binaryCrossEntropy(tensor([1.5]), tensor([1])),
    /binaryCrossEntropy: input must hold probabilities in \[0, 1\], got 1.5 at position 0/,
  );
  assert.throws(
    () => F.binaryCrossEntropy(zeros([4]), zeros([4, 1])),
    /binaryCrossEntropy: target \[4, 1\] must have the same shape as input \[4\]/,
  );
  assert.throws(
    () => F.binaryCrossEntropy(zeros([4, 2]), zeros([4, 2]), { weight: zeros([3]) }),
    /binaryCrossEntropy: weight \[3\] cannot be broadcast to the input shape \[4, 2\]/,
  );
});

test('binaryCrossEntropyWithLogits: stable for +-1e4, gradient sigmoid(z) - y, posWeight', () => {
  manualSeed(7);
  const x = randn([3, 4]).mul(2),
    y = rand([3, 4]);
  assertClose(
    F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }),
    F.binaryCrossEntropy(F.sigmoid(x), y, { reduction: 'none' }),
    { atol: 1e-5 },
  );
  const big = tensor([1e4, -1e4, 1e4, -1e4, 0], { requiresGrad: true });
  const t = tensor([0, 1, 1, 0, 1]);
  const l = F.binaryCrossEntropyWithLogits(big, t, { reduction: 'none' });
  assertClose(l, [1e4, 1e4, 0, 0, Math.LN2]);
  l.sum().backward();
  // lecture 000: delta = dL/dz = yhat - y for a sigmoid output with binary cross-entropy
  assertClose(big.grad as Tensor, [1, -1, 0, 0, -0.5]);
  // posWeight multiplies the positive term: x = 0, y = 1, pw = 3 gives 3 ln 2
  assertClose(
    F.binaryCrossEntropyWithLogits(tensor([[0, 0]]), tensor([[1, 0]]), {
      posWeight: tensor([3, 3]),
      reduction: 'none',
    }),
    [[3 * Math.LN2, Math.LN2]],
    { atol: 1e-6 },
  );
  const xb = tensor([[1e4, -1e4]], { requiresGrad: true });
  const lb = F.binaryCrossEntropyWithLogits(xb, tensor([[0, 1]]), {
    posWeight: tensor([2, 2]),
    weight: tensor([0.5, 1]),
  });
  assertClose(lb, [(0.5 * 1e4 + 2e4) / 2]);
  lb.backward();
  assert.ok(Array.from((xb.grad as Tensor).data).every(Number.isFinite));
  for (const reduction of REDUCTIONS) {
    const wl = rand([4]),
      pw = rand([4]).mul(3);
    gradcheck(
      (a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction, weight: wl, posWeight: pw }),
      [randn([3, 4]).mul(2), rand([3, 4])],
      { msg: `bcel ${reduction}` },
    );
    gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction }), [randn([2, 2, 3]), rand([2, 2, 3])], {
      msg: `bcel plain ${reduction}`,
    });
  }
  assert.throws(
    () => F.binaryCrossEntropyWithLogits(zeros([2, 3]), zeros([3, 2])),
    /binaryCrossEntropyWithLogits: target \[3, 2\] must have the same shape as input \[2, 3\]/,
  );
  assert.throws(
    () => F.binaryCrossEntropyWithLogits(zeros([2, 3]), zeros([2, 3]), { posWeight: zeros([2]) }),
    /binaryCrossEntropyWithLogits: posWeight \[2\] cannot be broadcast to the input shape \[2, 3\]/,
  );
});

test("multiMarginLoss is the lectures' multiclass SVM loss divided by C", () => {
  // The seeds name the SVM loss (lecture 001: "Loss function (softmax, SVM, ...)") but give no
  // numbers; this is the classic 3-class example (CS231n): scores per image (cat, car, frog),
  // L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1) = 2.9, 0 and 12.9, mean 5.27.
  const scores = tensor([
    [3.2, 5.1, -1.7],
    [1.3, 4.9, 2.0],
    [2.2, 2.5, -3.1],
  ]);
  const y = tensor([0, 1, 2], { dtype: 'int32' });
  assertClose(F.multiMarginLoss(scores, y, { reduction: 'none' }).mul(3), [2.9, 0, 12.9], { atol: 1e-5 });
  assertClose(F.multiMarginLoss(scores, y).mul(3), [(2.9 + 0 + 12.9) / 3], { atol: 1e-5 });
  // squared hinge (p = 2), margin and class weights (multiplying after the power, as PyTorch)
  assertClose(F.multiMarginLoss(scores, y, { p: 2, reduction: 'none' }), [2.9 ** 2 / 3, 0, (6.3 ** 2 + 6.6 ** 2) / 3], {
    atol: 1e-4,
  });
  assertClose(
    F.multiMarginLoss(scores, y, { margin: 2, weight: tensor([1, 2, 0.5]), reduction: 'none' }),
    [3.9 / 3, 0, (0.5 * (7.3 + 7.6)) / 3],
    { atol: 1e-5 },
  );
  // the gradient of the SVM loss: +1 for each violating class, -(number of violations) for the true class
  const s = scores.clone().requiresGrad_();
  F.multiMarginLoss(s, y, { reduction: 'sum' }).mul(3).backward();
  assertClose(
    s.grad as Tensor,
    [
      [-1, 1, 0],
      [0, 0, 0],
      [1, 1, -2],
    ],
    { atol: 1e-6 },
  );
  assertClose(F.multiMarginLoss(tensor([3.2, 5.1, -1.7]), tensor(0, { dtype: 'int32' })).mul(3), [2.9], { atol: 1e-5 });
  manualSeed(8);
  for (const reduction of REDUCTIONS) {
    for (const p of [1, 2] as const) {
      // hinge kinks at margin = 0: shift scores so no margin lies within the finite-difference step
      const x = tensor([
        [0.3, 1.9, -0.8, 0.1],
        [2.0, -1.1, 0.6, 0.45],
        [-0.2, 0.5, 1.3, -1.7],
      ]);
      gradcheck(
        (a) =>
          F.multiMarginLoss(a, tensor([1, 0, 3], { dtype: 'int32' }), {
            p,
            reduction,
            margin: 0.7,
            weight: tensor([1, 0.5, 2, 1.5]),
          }),
        [x],
        { msg: `mm ${reduction} p${p}` },
      );
    }
  }
  assert.throws(
    () => F.multiMarginLoss(scores, tensor([0, 3, 1], { dtype: 'int32' })),
    /multiMarginLoss: target 3 is out of range for 3 classes \(at position 1\)/,
  );
  assert.throws(
    () => F.multiMarginLoss(zeros([2, 3, 4]), zeros([2], { dtype: 'int32' })),
    /multiMarginLoss: input must be \(N, C\) or \(C\), got \[2, 3, 4\]/,
  );
  assert.throws(() => F.multiMarginLoss(scores, y, { p: 3 as 1 }), /multiMarginLoss: p must be 1 or 2, got 3/);
});

test('klDiv with probability and log-probability targets', () => {
  const q = [0.2, 0.3, 0.5],
    p = [0.5, 0.5, 0];
  const kl = p.reduce((s, v, i) => (v > 0 ? s + v * Math.log(v / q[i]) : s), 0);
  const logq = tensor([q.map(Math.log), q.map(Math.log)]);
  const tp = tensor([p, p]);
  assertClose(F.klDiv(logq, tp, { reduction: 'batchmean' }), [kl], { atol: 1e-6 });
  assertClose(F.klDiv(logq, tp, { reduction: 'sum' }), [2 * kl], { atol: 1e-6 });
  assertClose(F.klDiv(logq, tp), [(2 * kl) / 6], { atol: 1e-6 });
  assertClose(
    F.klDiv(
      logq,
      tensor([
        [0.5, 0.5, 1e-30],
        [0.5, 0.5, 1e-30],
      ]).log(),
      { reduction: 'batchmean', logTarget: true },
    ),
    [kl],
    { atol: 1e-6 },
  );
  manualSeed(9);
  for (const reduction of ['mean', 'batchmean', 'sum', 'none'] as const) {
    gradcheck(
      (a, b) => F.klDiv(a, b, { reduction }),
      [F.logSoftmax(randn([3, 4]), 1).detach(), rand([3, 4]).add(0.1)],
      { msg: `kl ${reduction}` },
    );
    gradcheck(
      (a, b) => F.klDiv(a, b, { reduction, logTarget: true }),
      [F.logSoftmax(randn([3, 4]), 1).detach(), F.logSoftmax(randn([3, 4]), 1).detach()],
      { msg: `kl log ${reduction}` },
    );
  }
  assert.throws(
    () => F.klDiv(logq, tp, { reduction: 'avg' as 'mean' }),
    /klDiv: reduction must be 'mean', 'batchmean', 'sum', 'none', got 'avg'/,
  );
});
