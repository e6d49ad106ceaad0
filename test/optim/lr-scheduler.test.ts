import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, optim } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

const { SGD, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, warmup, ReduceLROnPlateau } = optim;

function makeOpt(lr = 1, groups = 1) {
  const gs = Array.from({ length: groups }, (_, i) => ({
    params: [tensor([0], { requiresGrad: true })],
    lr: lr * (i + 1),
  }));
  return new SGD(gs, { lr });
}

/** The lr of group 0 after construction and each of n-1 further steps. */
function sequence(s: { step(): void; getLastLr(): number[] }, n: number): number[] {
  const out = [s.getLastLr()[0]];
  for (let i = 1; i < n; i++) {
    s.step();
    out.push(s.getLastLr()[0]);
  }
  return out;
}

test('StepLR, MultiStepLR, ExponentialLR sequences', () => {
  assertClose(sequence(new StepLR(makeOpt(1), 2, 0.5), 7), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  assertClose(sequence(new MultiStepLR(makeOpt(1), [4, 1], 0.1), 6), [1, 0.1, 0.1, 0.1, 0.01, 0.01]);
  assertClose(sequence(new ExponentialLR(makeOpt(2), 0.5), 4), [2, 1, 0.5, 0.25]);
  const opt = makeOpt(1, 2);
  const s = new StepLR(opt, 1, 0.5);
  s.step();
  assert.deepEqual(s.getLastLr(), [0.5, 1]);
  assert.equal(opt.paramGroups[1].lr, 1);
  assert.throws(() => new StepLR(makeOpt(), 0), /StepLR: invalid stepSize 0/);
});

test('CosineAnnealingLR follows the half cosine to etaMin', () => {
  const seq = sequence(new CosineAnnealingLR(makeOpt(1), 4, 0.2), 5);
  const want = [0, 1, 2, 3, 4].map((t) => 0.2 + (0.8 * (1 + Math.cos((Math.PI * t) / 4))) / 2);
  assertClose(seq, want, { atol: 1e-12, rtol: 0 });
  assertClose([seq[2]], [0.6], { atol: 1e-12, rtol: 0 });
  assertClose([seq[4]], [0.2], { atol: 1e-12, rtol: 0 });
});

test('LinearWarmup ramps then hands over to the wrapped schedule', () => {
  const opt = makeOpt(1);
  const after = new StepLR(opt, 2, 0.1);
  const s = new LinearWarmup(opt, 4, { after });
  assertClose(sequence(s, 8), [0, 0.25, 0.5, 0.75, 1, 1, 0.1, 0.1], { atol: 1e-12, rtol: 1e-12 });
  assert.equal(opt.paramGroups[0].lr, 0.1);
  const s2 = warmup(makeOpt(1), 2, undefined, 0.5);
  assertClose(sequence(s2, 4), [0.5, 0.75, 1, 1], { atol: 1e-12, rtol: 0 });
});

test('scheduler stateDict round trip resumes the sequence', () => {
  const a = new CosineAnnealingLR(makeOpt(1), 10);
  for (let i = 0; i < 3; i++) a.step();
  const sd = JSON.parse(JSON.stringify(a.stateDict()));
  const opt = makeOpt(1);
  const b = new CosineAnnealingLR(opt, 10);
  b.loadStateDict(sd);
  a.step();
  b.step();
  assert.deepEqual(b.getLastLr(), a.getLastLr());
  assert.equal(opt.paramGroups[0].lr, a.getLastLr()[0]);
});

test('ReduceLROnPlateau: patience, cooldown, threshold, minLr and max mode', () => {
  const opt = makeOpt(1);
  const s = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5, cooldown: 1, minLr: 0.2 });
  const lrs: number[] = [];
  for (const m of [10, 9, 9, 9, 9, 9, 9, 9, 9]) {
    s.step(m);
    lrs.push(opt.paramGroups[0].lr);
  }
  // bad epochs at 3rd,4th -> reduce (0.5); cooldown 1 epoch; then 2 more bad -> 0.25; then 0.2 (minLr)
  assert.deepEqual(lrs, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
  s.step(9);
  s.step(9);
  s.step(9);
  assert.equal(opt.paramGroups[0].lr, 0.2);
  // relative threshold: 9.9995 is not better than 10 * (1 - 1e-4) = 9.999
  const opt2 = makeOpt(1);
  const s2 = new ReduceLROnPlateau(opt2, { patience: 0 });
  s2.step(10);
  s2.step(9.9995);
  assert.equal(opt2.paramGroups[0].lr, 0.1);
  const opt3 = makeOpt(1);
  const s3 = new ReduceLROnPlateau(opt3, { mode: 'max', patience: 0, thresholdMode: 'abs', threshold: 0.5 });
  s3.step(1);
  s3.step(2);
  s3.step(2.4);
  assert.equal(opt3.paramGroups[0].lr, 0.1);
  const sd = JSON.parse(JSON.stringify(s.stateDict()));
  const fresh = new ReduceLROnPlateau(makeOpt(1), { patience: 1, factor: 0.5, cooldown: 1, minLr: 0.2 });
  fresh.loadStateDict(sd);
  assert.equal(fresh.best, 9);
  assert.equal(fresh.numBadEpochs, s.numBadEpochs);
  assert.throws(() => new ReduceLROnPlateau(makeOpt(1), { factor: 1 }), /factor/);
});
