// What the attribution methods do on convkit's shipped LeNet-5 (weights/lenet5-mnist.safetensors)
// and the first 100 MNIST test digits: guided Grad-CAM (Grad-CAM at conv2's rectified maps times
// guided backprop, the Grad-CAM paper's pixel-level map) puts most of its mass on the digit's
// non-zero pixels, the coarse Grad-CAM map more than a uniform map; integrated gradients are complete; activation maximisation
// excites conv2's filters well beyond what real digits do; penultimate features separate the
// classes in 2-D. Every figure is measured here and printed; the asserted bounds leave margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { data, models, noGrad, vision } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const model = await models.pretrained('lenet5');
const N = 100;
const raw = await data.loadMnist({ split: 'test', limit: N });
const norm = await data.loadMnist({ split: 'test', limit: N, normalize: true });
const labels = Array.from(norm.y.data);
const { mean, std } = data.MNIST_STATS;
const lo = -mean / std,
  hi = (1 - mean) / std; // the normalised pixel range

/** Mean over the digits of the fraction of the (non-negative) map's mass on non-zero pixels, and of the non-zero pixels' share. */
function massOnDigits(maps: (i: number) => Tensor | Float32Array): { fraction: number; uniform: number; wins: number } {
  let fraction = 0,
    uniform = 0,
    wins = 0;
  for (let i = 0; i < N; i++) {
    const r = maps(i);
    const m = r instanceof Float32Array ? r : (r.data as Float32Array);
    const px = raw.x.data.subarray(i * 784, (i + 1) * 784);
    let on = 0,
      total = 0,
      nz = 0;
    for (let p = 0; p < 784; p++) {
      total += m[p];
      if (px[p] > 0) {
        on += m[p];
        nz++;
      }
    }
    const f = total > 0 ? on / total : 0;
    fraction += f / N;
    uniform += nz / 784 / N;
    if (f > nz / 784) wins++;
  }
  return { fraction, uniform, wins };
}

test('Grad-CAM of the pretrained LeNet-5 (last conv) puts more mass on the digit pixels than a uniform map, over 100 test digits', () => {
  const x = (i: number): Tensor => norm.x.narrow(0, i, 1);
  const cam = massOnDigits((i) => vision.gradCam(model, x(i)).map);
  const stretched = massOnDigits((i) => vision.gradCam(model, x(i), { upsample: 'resize' }).map);
  const pp = massOnDigits((i) => vision.gradCamPlusPlus(model, x(i)).map);
  const r0 = vision.gradCam(model, x(0));
  assert.equal(r0.layer, '3');
  assert.equal(r0.upsample, 'receptive-field');
  assert.equal(r0.targetClass, labels[0]);
  const line = (name: string, m: { fraction: number; uniform: number; wins: number }): string =>
    `${name}: ${(100 * m.fraction).toFixed(1)}% of the map on the digit's non-zero pixels vs ${(100 * m.uniform).toFixed(1)}% for a uniform map (${(m.fraction / m.uniform).toFixed(2)}x; above uniform on ${m.wins}/${N} digits)`;
  console.log(line('Grad-CAM, layer 3, receptive-field upsampling', cam));
  console.log(line('Grad-CAM, layer 3, stretched (resize) upsampling', stretched));
  console.log(line('Grad-CAM++, layer 3, receptive-field upsampling', pp));
  assert.ok(cam.fraction > 1.5 * cam.uniform, 'Grad-CAM mass fraction above 1.5x uniform');
  // measured 69/100: on the others conv2's evidence lies off the strokes (e.g. a 0's hole), or nothing is positive
  assert.ok(cam.wins >= 60, 'Grad-CAM above uniform on at least 60 of 100 digits');
  assert.ok(pp.fraction > 1.2 * pp.uniform, 'Grad-CAM++ above 1.2x uniform');
  assert.ok(cam.fraction > stretched.fraction, 'receptive-field alignment puts more mass on the digit than stretching');
});

test("guided Grad-CAM at conv2's ReLU puts most of its mass on the digit's pixels: > 50% and > 2x a uniform map, over 100 test digits", () => {
  const x = (i: number): Tensor => norm.x.narrow(0, i, 1);
  const magnitude = (t: Tensor): Float32Array => Float32Array.from(t.data, Math.abs);
  // the Grad-CAM paper's layer: the last conv layer's rectified feature maps (LeNet-5's '4' = conv2's ReLU)
  const guidedCam = massOnDigits((i) => {
    const cam = vision.gradCam(model, x(i), { layer: '4' });
    assert.equal(cam.upsample, 'receptive-field');
    return magnitude(vision.guidedGradCam(vision.guidedBackprop(model, x(i)).gradient, cam.map));
  });
  const guided = massOnDigits((i) => magnitude(vision.guidedBackprop(model, x(i)).gradient));
  const coarse = massOnDigits((i) => vision.gradCam(model, x(i), { layer: '4' }).map);
  const line = (name: string, m: { fraction: number; uniform: number; wins: number }): string =>
    `${name}: ${(100 * m.fraction).toFixed(1)}% of the mass on the digit's non-zero pixels vs ${(100 * m.uniform).toFixed(1)}% uniform (${(m.fraction / m.uniform).toFixed(2)}x; above uniform on ${m.wins}/${N})`;
  console.log(line('guided Grad-CAM |.|, conv2 ReLU', guidedCam));
  console.log(line('guided backprop |.| alone', guided));
  console.log(line('Grad-CAM, conv2 ReLU', coarse));
  assert.ok(guidedCam.fraction > 0.5, 'most of the mass on the digit');
  assert.ok(guidedCam.fraction > 2 * guidedCam.uniform, 'more than twice a uniform map');
  assert.ok(guidedCam.wins >= 85, 'above uniform on at least 85 of 100 digits (measured 92)');
  // the Grad-CAM factor matters: it moves mass onto the digit beyond guided backprop alone
  assert.ok(guidedCam.fraction > guided.fraction + 0.05, 'guided Grad-CAM beats guided backprop by 5 points');
  assert.ok(coarse.fraction > 2 * coarse.uniform, 'the coarse map at conv2 ReLU above 2x uniform');
});

test('Layer-CAM at conv1 (full resolution, per-cell gradient weights) puts most of its mass on the digit, plain Grad-CAM there does not', () => {
  const x = (i: number): Tensor => norm.x.narrow(0, i, 1);
  const layer = massOnDigits((i) => vision.layerCam(model, x(i), { layer: '1' }).map);
  const plain = massOnDigits((i) => vision.gradCam(model, x(i), { layer: '1' }).map);
  console.log(
    `conv1 ReLU: Layer-CAM ${(100 * layer.fraction).toFixed(1)}%, Grad-CAM ${(100 * plain.fraction).toFixed(1)}% on the digit (uniform ${(100 * layer.uniform).toFixed(1)}%)`,
  );
  assert.ok(layer.fraction > 0.5 && layer.fraction > 2 * layer.uniform);
  // Grad-CAM's spatially averaged gradient is a poor channel weight at a shallow layer (Jiang et al., 2021)
  assert.ok(plain.fraction < layer.fraction / 2);
});

test('integrated gradients on the pretrained LeNet-5: attributions sum to f(x) - f(baseline) within 1%', () => {
  for (const i of [0, 1, 2, 3]) {
    const r = vision.integratedGradients(model, norm.x.narrow(0, i, 1), { baseline: lo, steps: 128 });
    const gap = r.score - r.baselineScore;
    console.log(
      `digit ${i} (class ${r.targetClass}): f(x) - f(black) = ${gap.toFixed(4)}, sum of attributions - that = ${r.delta.toExponential(2)} (${((100 * Math.abs(r.delta)) / Math.abs(gap)).toFixed(3)}%)`,
    );
    assert.equal(r.targetClass, labels[i]);
    assert.ok(Math.abs(r.delta) < 0.01 * Math.abs(gap));
  }
});

test('activation maximisation excites every conv2 filter of the pretrained LeNet-5 beyond its mean on real digits', () => {
  const a = vision.featureMaps(model, norm.x, { layers: ['4'] }).get('4') as Tensor;
  const [, k, h, w] = a.shape;
  const factors: number[] = [];
  for (let ch = 0; ch < k; ch++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let p = 0; p < h * w; p++) s += a.data[(n * k + ch) * h * w + p];
    const onDigits = s / (N * h * w);
    const r = vision.activationMaximization(model, {
      inputShape: [1, 28, 28],
      layer: '4',
      channel: ch,
      steps: 200,
      lr: 0.2,
      initStd: 0.5,
      range: [lo, hi],
      seed: 0,
    });
    assert.ok(
      r.image.data.every((v) => v >= lo - 1e-6 && v <= hi + 1e-6),
      'pixels stay in range',
    );
    factors.push(r.finalActivation / onDigits);
  }
  const sorted = [...factors].sort((p, q) => p - q);
  const median = (sorted[7] + sorted[8]) / 2;
  console.log(
    `conv2 (layer 4) filter activation, optimised image / mean over ${N} test digits: ${factors.map((f) => f.toFixed(1)).join(' ')}; median ${median.toFixed(1)}x, min ${sorted[0].toFixed(1)}x`,
  );
  assert.ok(sorted[0] > 1.5, 'every filter above 1.5x its mean on real digits');
  assert.ok(median > 3, 'median filter above 3x');
  // a class: the optimised image's logit beats the mean logit of the real digits of that class
  const logits = noGrad(() => model.call(norm.x));
  for (const c of [3, 7]) {
    const r = vision.activationMaximization(model, {
      inputShape: [1, 28, 28],
      targetClass: c,
      steps: 100,
      lr: 0.2,
      range: [lo, hi],
    });
    let s = 0,
      m = 0;
    for (let i = 0; i < N; i++)
      if (labels[i] === c) {
        s += logits.data[i * 10 + c];
        m++;
      }
    console.log(
      `class ${c}: logit ${r.initialActivation.toFixed(2)} -> ${r.finalActivation.toFixed(2)} (real ${c}s: ${(s / m).toFixed(2)} on average)`,
    );
    assert.ok(r.finalActivation > s / m, `class ${c}`);
    assert.ok(r.history[r.history.length - 1] > r.history[0]);
  }
});

test('penultimate features of the pretrained LeNet-5 separate the classes in PCA and UMAP layouts (1-NN accuracy)', async () => {
  const f = vision.penultimateFeatures(model, norm.x);
  assert.deepEqual(f.shape, [N, 84]);
  const oneNN = (c: Tensor): number => {
    let ok = 0;
    for (let i = 0; i < N; i++) {
      let best = -1,
        bd = Infinity;
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        const d = (c.data[2 * i] - c.data[2 * j]) ** 2 + (c.data[2 * i + 1] - c.data[2 * j + 1]) ** 2;
        if (d < bd) {
          bd = d;
          best = j;
        }
      }
      if (labels[best] === labels[i]) ok++;
    }
    return ok / N;
  };
  const p = vision.pca(f, 2);
  const u = await vision.umap(f, { seed: 0 });
  const u2 = await vision.umap(f, { seed: 0 });
  assert.deepEqual(Array.from(u.data), Array.from(u2.data), 'seeded: the same layout twice');
  const accP = oneNN(p.coords),
    accU = oneNN(u);
  console.log(
    `1-NN accuracy in 2-D over ${N} test digits: PCA ${(100 * accP).toFixed(0)}% (explained variance ${(100 * (p.varianceRatio[0] + p.varianceRatio[1])).toFixed(1)}%), UMAP ${(100 * accU).toFixed(0)}%; chance about 10%`,
  );
  assert.ok(accP > 0.4, 'PCA well above chance');
  assert.ok(accU > 0.7, 'UMAP well above chance');
});
