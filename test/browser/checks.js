// The computations whose results must be the same in a browser page and in Node (wasm backend):
// run by the test page on the convkit it was built with, and by scripts/test-browser.mjs in
// Node on the package's own build, with the same seeds; the runner compares the numbers.
// Plain JavaScript (ESM) so that the page can load it with or without a bundler.

/** MNIST slice used for the training check: the first TRAIN_IMAGES test-set images. */
export const TRAIN_STEPS = 200;
export const TRAIN_BATCH = 16;
export const TRAIN_IMAGES = TRAIN_STEPS * TRAIN_BATCH;

const list = (t) => Array.from(t.data);

/** conv2d forward and backward (input, weight and bias gradients) on seeded random tensors. */
export function convValues(ck) {
  ck.manualSeed(1);
  const x = ck.randn([2, 3, 9, 9]).requiresGrad_();
  const w = ck.randn([4, 3, 3, 3]).requiresGrad_();
  const b = ck.randn([4]).requiresGrad_();
  const out = ck.F.conv2d(x, w, b, { stride: 2, padding: 1 });
  const g = ck.randn(out.shape);
  out.mul(g).sum().backward();
  return { out: list(out), gradX: list(x.grad), gradW: list(w.grad), gradB: list(b.grad) };
}

/** LeNet-5 (seeded initialisation) on a seeded batch, in eval mode. */
export function lenetForward(ck) {
  ck.manualSeed(2);
  const model = ck.models.lenet5();
  model.eval();
  const x = ck.randn([4, 1, 28, 28]);
  return list(ck.noGrad(() => model.call(x)));
}

/** The LeNet-5 model of the weights checks (seed 4), its forward on a seeded batch. */
export function seededLenet(ck) {
  ck.manualSeed(4);
  const model = ck.models.lenet5();
  model.eval();
  return model;
}

/** TRAIN_STEPS SGD steps of LeNet-5 on MNIST images in order, batch TRAIN_BATCH: the loss of each step. */
export function trainLosses(ck, mnist) {
  ck.manualSeed(3);
  const model = ck.models.lenet5();
  const opt = new ck.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const losses = [];
  for (let s = 0; s < TRAIN_STEPS; s++) {
    const x = mnist.x.slice(0, s * TRAIN_BATCH, (s + 1) * TRAIN_BATCH);
    const y = mnist.y.slice(0, s * TRAIN_BATCH, (s + 1) * TRAIN_BATCH);
    opt.zeroGrad();
    const loss = ck.F.crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

/** Everything the runner compares, in one object of plain number arrays. */
export function referenceValues(ck, mnist) {
  return { conv: convValues(ck), lenet: lenetForward(ck), losses: trainLosses(ck, mnist) };
}
