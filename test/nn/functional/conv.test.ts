// F.conv1d / conv2d / convTranspose1d / convTranspose2d / convolve / correlate: forward values,
// PyTorch's shape rules, identities between the ops, and finite-difference gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, zeros, randn, manualSeed, concat, Tensor } from '../../../src/index.js';
import { pad } from '../../../src/nn/functional/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

/**
 * Direct-loop cross-correlation on plain arrays, written independently of the backend:
 * x (N,C,H,W) zero-padded by [top, bottom, left, right], weight (O, C/g, kh, kw).
 */
function refConv2d(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  s: [number, number],
  p: [number, number, number, number],
  d: [number, number],
  groups: number,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = x.shape,
    [O, Cg, KH, KW] = w.shape;
  const Hp = H + p[0] + p[1],
    Wp = W + p[2] + p[3];
  const OH = Math.floor((Hp - d[0] * (KH - 1) - 1) / s[0]) + 1,
    OW = Math.floor((Wp - d[1] * (KW - 1) - 1) / s[1]) + 1;
  const at = (n: number, c: number, i: number, j: number): number => {
    const r = i - p[0],
      q = j - p[2];
    return r < 0 || r >= H || q < 0 || q >= W ? 0 : x.data[((n * C + c) * H + r) * W + q];
  };
  const out: number[] = [];
  const og = O / groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = b ? b.data[o] : 0;
          const g = Math.floor(o / og);
          for (let c = 0; c < Cg; c++)
            for (let u = 0; u < KH; u++)
              for (let v = 0; v < KW; v++) {
                acc +=
                  w.data[((o * Cg + c) * KH + u) * KW + v] *
                  at(n, g * Cg + c, i * s[0] + u * d[0], j * s[1] + v * d[1]);
              }
          out.push(acc);
        }
  return { data: out, shape: [N, O, OH, OW] };
}

function dot(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
  return s;
}

test('conv2d: a hand-computed 2-channel example with bias', () => {
  const x = tensor([
    [
      [
        [1, 2, 0],
        [0, 1, 3],
        [2, 1, 1],
      ],
      [
        [0, 1, 1],
        [1, 0, 2],
        [1, 1, 0],
      ],
    ],
  ]);
  const w = tensor([
    [
      [
        [1, 0],
        [0, -1],
      ],
      [
        [2, 1],
        [0, 0],
      ],
    ],
  ]); // (1, 2, 2, 2)
  // y[0,0] = (1*1 + 1*(-1)) + (0*2 + 1*1) = 1, y[0,1] = (2 - 3) + (2 + 1) = 2
  // y[1,0] = (0 - 1) + (2 + 0) = 1,          y[1,1] = (1 - 1) + (0 + 2) = 2
  assertClose(F.conv2d(x, w, tensor([0.5])), [
    [
      [
        [1.5, 2.5],
        [1.5, 2.5],
      ],
    ],
  ]);
});

test('conv2d matches a direct-loop reference over strides, paddings, dilations and groups', () => {
  manualSeed(7);
  const cases: { x: number[]; w: number[]; o: F.Conv2dOptions; pads: [number, number, number, number] }[] = [
    { x: [2, 3, 6, 5], w: [4, 3, 3, 3], o: {}, pads: [0, 0, 0, 0] },
    { x: [1, 2, 7, 6], w: [3, 2, 3, 2], o: { stride: [2, 3], padding: [1, 2] }, pads: [1, 1, 2, 2] },
    { x: [1, 4, 6, 6], w: [4, 1, 3, 3], o: { groups: 4, padding: 1 }, pads: [1, 1, 1, 1] },
    { x: [2, 4, 7, 7], w: [6, 2, 2, 3], o: { groups: 2, dilation: [2, 1], stride: 2 }, pads: [0, 0, 0, 0] },
    // 'same' with even kernels pads the extra cell at the bottom/right, like PyTorch
    { x: [1, 2, 5, 6], w: [2, 2, 2, 4], o: { padding: 'same' }, pads: [0, 1, 1, 2] },
    { x: [1, 1, 6, 5], w: [1, 1, 2, 2], o: { padding: 'same', dilation: 3 }, pads: [1, 2, 1, 2] },
    { x: [1, 1, 3, 4], w: [2, 1, 2, 3], o: { padding: 'full' }, pads: [1, 1, 2, 2] },
    { x: [1, 1, 5, 5], w: [1, 1, 3, 3], o: { padding: 'valid' }, pads: [0, 0, 0, 0] },
  ];
  for (const c of cases) {
    const x = randn(c.x),
      w = randn(c.w),
      b = randn([c.w[0]]);
    const s =
      c.o.stride === undefined ? [1, 1] : typeof c.o.stride === 'number' ? [c.o.stride, c.o.stride] : c.o.stride;
    const d =
      c.o.dilation === undefined
        ? [1, 1]
        : typeof c.o.dilation === 'number'
          ? [c.o.dilation, c.o.dilation]
          : c.o.dilation;
    const ref = refConv2d(x, w, b, [s[0], s[1]], c.pads, [d[0], d[1]], c.o.groups ?? 1);
    const y = F.conv2d(x, w, b, c.o);
    assert.deepEqual(y.shape, ref.shape, JSON.stringify(c));
    assertClose(y, ref.data, { atol: 1e-4, msg: JSON.stringify(c) });
  }
});

test('conv2d: bias may be omitted, null or undefined; unbatched input drops the batch axis', () => {
  manualSeed(8);
  const x = randn([2, 5, 5]),
    w = randn([3, 2, 3, 3]);
  const a = F.conv2d(x, w),
    b = F.conv2d(x, w, null),
    c = F.conv2d(x, w, undefined, { padding: 0 });
  assert.deepEqual(a.shape, [3, 3, 3]);
  assertClose(a, b);
  assertClose(a, c);
  assertClose(F.conv2d(x.reshape(1, 2, 5, 5), w), a.reshape(1, 3, 3, 3));
});

test('conv2d: grouped convolution is the concatenation of per-group convolutions', () => {
  manualSeed(9);
  const x = randn([2, 6, 5, 4]),
    w = randn([4, 3, 3, 2]);
  const y = F.conv2d(x, w, null, { groups: 2, padding: 1 });
  const y0 = F.conv2d(x.slice(1, 0, 3), w.slice(0, 0, 2), null, { padding: 1 });
  const y1 = F.conv2d(x.slice(1, 3, 6), w.slice(0, 2, 4), null, { padding: 1 });
  assertClose(y, concat([y0, y1], 1), { atol: 1e-5 });
});

test('conv2d: paddingMode equals explicit padding with F.pad followed by an unpadded conv', () => {
  manualSeed(10);
  const x = randn([1, 2, 5, 6]),
    w = randn([3, 2, 3, 3]);
  for (const mode of ['reflect', 'replicate', 'circular'] as const) {
    const y = F.conv2d(x, w, null, { padding: [1, 2], paddingMode: mode });
    assertClose(y, F.conv2d(pad(x, [2, 2, 1, 1], { mode }), w), { atol: 1e-5, msg: mode });
    // 'same' with an even kernel: the extra cell goes after
    const w2 = randn([1, 2, 2, 2]);
    const same = F.conv2d(x, w2, null, { padding: 'same', paddingMode: mode });
    assert.deepEqual(same.shape, [1, 1, 5, 6]);
    assertClose(same, F.conv2d(pad(x, [0, 1, 0, 1], { mode }), w2), { atol: 1e-5, msg: `${mode} same` });
  }
  // 'zeros' is the default
  assertClose(F.conv2d(x, w, null, { padding: 1, paddingMode: 'zeros' }), F.conv2d(x, w, null, { padding: 1 }));
});

test('conv1d equals conv2d with height 1, in every option', () => {
  manualSeed(11);
  const x = randn([2, 4, 9]),
    w = randn([6, 2, 3]),
    b = randn([6]);
  const opts = { stride: 2, padding: 2, dilation: 2, groups: 2 };
  const y = F.conv1d(x, w, b, opts);
  const y2 = F.conv2d(x.reshape(2, 4, 1, 9), w.reshape(6, 2, 1, 3), b, {
    stride: [1, 2],
    padding: [0, 2],
    dilation: [1, 2],
    groups: 2,
  });
  assert.deepEqual(y.shape, [2, 6, 5], '(9 + 2*2 - 2*(3-1) - 1)/2 + 1 = 5');
  assertClose(y, y2.reshape(2, 6, 5), { atol: 1e-5 });
  // tuples of one and unbatched (C, L)
  assertClose(
    F.conv1d(x.slice(0, 0, 1).reshape(4, 9), w, b, { stride: [2], padding: [2], dilation: [2], groups: 2 }),
    y.slice(0, 0, 1).reshape(6, 5),
    { atol: 1e-5 },
  );
  assert.deepEqual(F.conv1d(x, randn([3, 4, 4]), null, { padding: 'same' }).shape, [2, 3, 9]);
  assert.deepEqual(F.conv1d(x, randn([3, 4, 4]), null, { padding: 'full' }).shape, [2, 3, 12]);
});

test('convTranspose2d: output size (H-1)s - 2p + d(k-1) + outputPadding + 1', () => {
  const x = zeros([1, 2, 4, 5]);
  assert.deepEqual(F.convTranspose2d(x, zeros([2, 3, 3, 3])).shape, [1, 3, 6, 7]);
  assert.deepEqual(
    F.convTranspose2d(x, zeros([2, 3, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 }).shape,
    [1, 3, 8, 10],
  );
  assert.deepEqual(
    F.convTranspose2d(x, zeros([2, 2, 2, 3]), null, { stride: [2, 3], dilation: [1, 2], groups: 2 }).shape,
    [1, 4, 8, 17],
  );
  // upsampling 2x with k=2, s=2: each input pixel paints its own 2x2 block with the kernel
  const y = F.convTranspose2d(
    tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]),
    tensor([
      [
        [
          [1, 10],
          [100, 1000],
        ],
      ],
    ]),
    tensor([0.5]),
    { stride: 2 },
  );
  assertClose(y, [
    [
      [
        [1.5, 10.5, 2.5, 20.5],
        [100.5, 1000.5, 200.5, 2000.5],
        [3.5, 30.5, 4.5, 40.5],
        [300.5, 3000.5, 400.5, 4000.5],
      ],
    ],
  ]);
});

test('convTranspose is the adjoint of conv: <conv(x), y> = <x, convT(y)> for every geometry', () => {
  manualSeed(12);
  const cases: {
    x: number[];
    w: number[];
    o: { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number };
  }[] = [
    { x: [2, 3, 7, 6], w: [4, 3, 3, 2], o: {} },
    { x: [1, 4, 8, 7], w: [6, 2, 3, 3], o: { stride: [2, 3], padding: [1, 1], dilation: [1, 2], groups: 2 } },
    { x: [1, 2, 9, 9], w: [2, 1, 2, 2], o: { stride: [3, 2], groups: 2 } },
  ];
  for (const c of cases) {
    const x = randn(c.x),
      w = randn(c.w);
    const y = F.conv2d(x, w, null, c.o);
    const r = randn(y.shape.slice());
    // outputPadding recovers the input size that the strided conv floored away
    const op = [0, 1].map((i) => {
      const s = c.o.stride?.[i] ?? 1,
        p = c.o.padding?.[i] ?? 0,
        d = c.o.dilation?.[i] ?? 1;
      return c.x[2 + i] - ((y.shape[2 + i] - 1) * s - 2 * p + d * (c.w[2 + i] - 1) + 1);
    }) as [number, number];
    const back = F.convTranspose2d(r, w, null, { ...c.o, outputPadding: op });
    assert.deepEqual(back.shape, x.shape, JSON.stringify(c));
    const lhs = dot(y, r),
      rhs = dot(x, back);
    assert.ok(Math.abs(lhs - rhs) <= 1e-3 * (1 + Math.abs(lhs)), `${JSON.stringify(c)}: ${lhs} vs ${rhs}`);
  }
});

test('convTranspose1d equals convTranspose2d with height 1; unbatched works', () => {
  manualSeed(13);
  const x = randn([2, 4, 5]),
    w = randn([4, 3, 3]),
    b = randn([6]);
  const y = F.convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
  const y2 = F.convTranspose2d(x.reshape(2, 4, 1, 5), w.reshape(4, 3, 1, 3), b, {
    stride: [1, 2],
    padding: [0, 1],
    outputPadding: [0, 1],
    groups: 2,
  });
  assert.deepEqual(y.shape, [2, 6, 10]);
  assertClose(y, y2.reshape(2, 6, 10), { atol: 1e-5 });
  assertClose(
    F.convTranspose1d(x.slice(0, 1, 2).reshape(4, 5), w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
    y.slice(0, 1, 2).reshape(6, 10),
    { atol: 1e-5 },
  );
});

test('convolve / correlate modes: valid, same (centre of full), full', () => {
  const s = tensor([1, 2, 3]),
    k = tensor([0, 1, 0.5]);
  // numpy.convolve([1,2,3], [0,1,0.5], 'full') = [0, 1, 2.5, 4, 1.5]
  assertClose(F.convolve1d(s, k, 'full'), [0, 1, 2.5, 4, 1.5]);
  assertClose(F.convolve1d(s, k, 'same'), [1, 2.5, 4]);
  assertClose(F.convolve1d(s, k, 'valid'), [2.5]);
  // numpy.correlate([1,2,3], [0,1,0.5], 'full') = [0.5, 2, 3.5, 3, 0]
  assertClose(F.correlate1d(s, k, 'full'), [0.5, 2, 3.5, 3, 0]);
  assertClose(F.correlate1d(s, k, 'same'), [2, 3.5, 3]);
  // even kernel, 'same' takes the centre of 'full' starting at (k-1)//2, as scipy.signal does
  assertClose(F.convolve1d(tensor([1, 2, 3, 4]), tensor([1, -1]), 'same'), [1, 1, 1, 1]);
  assertClose(F.correlate1d(tensor([1, 2, 3, 4]), tensor([1, -1]), 'same'), [-1, -1, -1, -1]);
  // (conv1d's padding='same' puts the extra zero after instead, as PyTorch does)
  assertClose(F.conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]]), null, { padding: 'same' }), [[[-1, -1, -1, 4]]]);
  // 2-D: convolution is correlation with the kernel flipped on both axes
  manualSeed(14);
  const img = randn([5, 4]),
    ker = randn([3, 2]);
  const flipped = tensor((ker.toArray() as number[][]).map((r) => r.slice().reverse()).reverse());
  for (const m of ['valid', 'same', 'full'] as const)
    assertClose(F.convolve2d(img, ker, m), F.correlate2d(img, flipped, m), { atol: 1e-5, msg: m });
  assert.deepEqual(F.correlate2d(img, ker, 'full').shape, [7, 5]);
  assert.deepEqual(F.correlate2d(img, ker, 'same').shape, [5, 4]);
});

test('convOutputSize: the formula with dilation, same, full and ceil mode', () => {
  assert.equal(F.convOutputSize(10, 3, { dilation: 2 }), 6);
  assert.equal(F.convOutputSize(10, 4, { padding: 'same' }), 10);
  assert.equal(F.convOutputSize(10, 4, { padding: 'full' }), 13);
  assert.equal(F.convOutputSize(5, 2, { stride: 2 }), 2);
  assert.equal(F.convOutputSize(5, 2, { stride: 2, ceilMode: true }), 3);
  // ceil mode's last window must start inside the input or the left padding (PyTorch)
  assert.equal(F.convOutputSize(3, 2, { stride: 2, padding: 1, ceilMode: true }), 2);
});

test('gradcheck conv2d over shapes, strides, paddings, dilations, groups and padding modes', () => {
  manualSeed(20);
  const cases: { x: number[]; w: number[]; o: F.Conv2dOptions; bias: boolean }[] = [
    { x: [1, 1, 4, 4], w: [1, 1, 3, 3], o: {}, bias: false },
    { x: [2, 3, 5, 4], w: [4, 3, 3, 2], o: { stride: [2, 1], padding: [1, 0] }, bias: true },
    { x: [1, 4, 5, 5], w: [4, 1, 3, 3], o: { groups: 4, padding: 1 }, bias: true }, // depthwise
    { x: [2, 4, 6, 5], w: [6, 2, 2, 3], o: { groups: 2, dilation: [2, 1], stride: 2 }, bias: true },
    { x: [1, 2, 5, 5], w: [3, 2, 2, 2], o: { padding: 'same' }, bias: true }, // asymmetric
    { x: [1, 2, 4, 5], w: [2, 2, 2, 3], o: { padding: 'same', dilation: 2 }, bias: false },
    { x: [1, 1, 3, 4], w: [2, 1, 2, 2], o: { padding: 'full' }, bias: true },
    { x: [1, 2, 4, 5], w: [2, 2, 3, 3], o: { padding: 1, paddingMode: 'reflect' }, bias: true },
    { x: [1, 2, 4, 5], w: [2, 2, 3, 3], o: { padding: [2, 1], paddingMode: 'replicate', stride: 2 }, bias: false },
    { x: [1, 2, 4, 5], w: [2, 2, 2, 3], o: { padding: 'same', paddingMode: 'circular' }, bias: true },
    { x: [2, 5, 5], w: [3, 2, 3, 3], o: { stride: 2, padding: 1 }, bias: true }, // unbatched
  ];
  for (const c of cases) {
    const inputs = [randn(c.x), randn(c.w)];
    if (c.bias) inputs.push(randn([c.w[0]]));
    gradcheck((x, w, b) => F.conv2d(x, w, b, c.o), inputs, { msg: JSON.stringify(c) });
  }
});

test('gradcheck conv1d, convTranspose1d/2d (with outputPadding), convolve and correlate', () => {
  manualSeed(21);
  gradcheck(
    (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }),
    [randn([2, 3, 7]), randn([4, 3, 3]), randn([4])],
  );
  gradcheck((x, w) => F.conv1d(x, w, null, { groups: 2, padding: 'same' }), [randn([1, 4, 6]), randn([4, 2, 2])]);
  gradcheck(
    (x, w, b) => F.conv1d(x, w, b, { padding: 2, dilation: 2, paddingMode: 'circular' }),
    [randn([1, 2, 6]), randn([2, 2, 3]), randn([2])],
  );
  gradcheck(
    (x, w) => F.conv1d(x, w, null, { padding: 'same', paddingMode: 'reflect' }),
    [randn([2, 5]), randn([1, 2, 3])],
  );
  gradcheck(
    (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    [randn([1, 2, 3, 3]), randn([2, 3, 3, 3]), randn([3])],
  );
  gradcheck(
    (x, w) => F.convTranspose2d(x, w, null, { groups: 2, stride: [1, 2], dilation: [2, 1] }),
    [randn([2, 4, 3, 2]), randn([4, 1, 2, 3])],
  );
  gradcheck(
    (x, w, b) => F.convTranspose2d(x, w, b, { stride: 3, padding: [0, 1], outputPadding: [2, 1] }),
    [randn([2, 2, 2]), randn([2, 2, 2, 3]), randn([2])],
  );
  gradcheck(
    (x, w, b) => F.convTranspose1d(x, w, b, { stride: 3, padding: 1, outputPadding: 2 }),
    [randn([2, 2, 4]), randn([2, 3, 3]), randn([3])],
  );
  for (const m of ['valid', 'same', 'full'] as const) {
    gradcheck((s, k) => F.convolve1d(s, k, m), [randn([6]), randn([3])], { msg: `convolve1d ${m}` });
    gradcheck((s, k) => F.correlate2d(s, k, m), [randn([4, 5]), randn([2, 3])], { msg: `correlate2d ${m}` });
  }
  gradcheck((s, k) => F.convolve2d(s, k, 'same'), [randn([4, 4]), randn([2, 2])]);
});

test('conv2d backward: bias gradient is the sum of dy over N, H, W; no grad for inputs that do not need it', () => {
  manualSeed(22);
  const x = randn([2, 3, 4, 4]),
    w = randn([2, 3, 3, 3], { requiresGrad: true }),
    b = randn([2], { requiresGrad: true });
  const y = F.conv2d(x, w, b, { padding: 1 });
  const dy = randn(y.shape.slice());
  y.backward(dy);
  assertClose(b.grad as Tensor, dy.sum([0, 2, 3]), { atol: 1e-4 });
  assert.equal(x.grad, null);
  assert.ok(w.grad);
});
