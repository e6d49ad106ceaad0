/** OneCycleLR and CyclicLR against torch.optim.lr_scheduler (scripts/gen-cyclic-lr-fixtures.py), plus their errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, optim, nn, train, manualSeed } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

interface CyclicCase {
  name: string;
  scheduler: 'OneCycleLR' | 'CyclicLR';
  optimizer: 'SGD' | 'Adam';
  groups: { lr: number; momentum?: number; betas?: [number, number] }[];
  kwargs: Record<string, unknown>;
  steps: number;
  lrs: number[][];
  momentums: number[][] | null;
  raisesAfter: boolean;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/torch/cyclic-lr.json', import.meta.url), 'utf8')) as {
  cases: CyclicCase[];
};

type Opt = optim.Optimizer<optim.BaseHyper>;

function makeOptimizer(c: CyclicCase): Opt {
  const groups = c.groups.map((g) => ({ ...g, params: [tensor([0], { requiresGrad: true })] }));
  return (c.optimizer === 'SGD' ? new optim.SGD(groups, { lr: c.groups[0].lr }) : new optim.Adam(groups)) as Opt;
}

function makeScheduler(c: CyclicCase, opt: Opt): optim.OneCycleLR | optim.CyclicLR {
  const k = c.kwargs as Record<string, number & number[] & string & boolean>;
  if (c.scheduler === 'OneCycleLR')
    return new optim.OneCycleLR(opt, {
      maxLr: k.max_lr,
      totalSteps: k.total_steps,
      epochs: k.epochs,
      stepsPerEpoch: k.steps_per_epoch,
      pctStart: k.pct_start,
      annealStrategy: k.anneal_strategy as 'cos' | 'linear' | undefined,
      cycleMomentum: k.cycle_momentum,
      baseMomentum: k.base_momentum,
      maxMomentum: k.max_momentum,
      divFactor: k.div_factor,
      finalDivFactor: k.final_div_factor,
      threePhase: k.three_phase,
    });
  return new optim.CyclicLR(opt, {
    baseLr: k.base_lr,
    maxLr: k.max_lr,
    stepSizeUp: k.step_size_up,
    stepSizeDown: k.step_size_down,
    mode: k.mode as 'triangular' | 'triangular2' | 'exp_range' | undefined,
    gamma: k.gamma,
    cycleMomentum: k.cycle_momentum,
    baseMomentum: k.base_momentum,
    maxMomentum: k.max_momentum,
  });
}

function momentumOf(g: Record<string, unknown>): number {
  return 'betas' in g ? (g.betas as number[])[0] : (g.momentum as number);
}

for (const c of fixtures.cases) {
  test(`golden ${c.name} (torch ${c.scheduler})`, () => {
    const opt = makeOptimizer(c);
    const s = makeScheduler(c, opt);
    const groups = opt.paramGroups as unknown as Record<string, unknown>[];
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const moms = [groups.map(momentumOf)];
    for (let i = 0; i < c.steps; i++) {
      s.step();
      lrs.push(opt.paramGroups.map((g) => g.lr));
      moms.push(groups.map(momentumOf));
    }
    assertClose(lrs.flat(), c.lrs.flat(), { atol: 1e-15, rtol: 1e-10, msg: `${c.name} lr` });
    assert.deepEqual(s.getLastLr(), lrs[lrs.length - 1]);
    if (c.momentums)
      assertClose(moms.flat(), c.momentums.flat(), { atol: 1e-15, rtol: 1e-10, msg: `${c.name} momentum` });
    else
      assert.deepEqual(
        moms.flat(),
        c.groups.map((g) => g.momentum ?? g.betas?.[0]).flatMap((m) => lrs.map(() => m)),
      );
    if (c.raisesAfter) assert.throws(() => s.step(), /OneCycleLR: tried to step \d+ times; the cycle has totalSteps/);
    else s.step();
  });
}

test('OneCycleLR and CyclicLR: errors name the option and the fix', () => {
  const sgd = () => new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(
    () => new optim.OneCycleLR(sgd(), { maxLr: 1 }),
    /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/,
  );
  assert.throws(
    () => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 }),
    /totalSteps must be a positive integer, got 0/,
  );
  assert.throws(
    () => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1.5 }),
    /pctStart must be a number in \[0, 1\], got 1.5/,
  );
  assert.throws(
    () => new optim.OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 10 }),
    /maxLr has 2 values but the optimizer has 1 parameter groups/,
  );
  // pctStart * totalSteps = 1: PyTorch divides by zero at step 0
  assert.throws(
    () => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 0.1 }),
    /phase 1 of the cycle has no length/,
  );
  const adagrad = new optim.Adagrad([tensor([0], { requiresGrad: true })]);
  assert.throws(
    () => new optim.OneCycleLR(adagrad, { maxLr: 1, totalSteps: 10 }),
    /cycleMomentum needs an optimizer with momentum .* pass cycleMomentum: false for Adagrad/,
  );
  assert.throws(() => new optim.CyclicLR(adagrad, { baseLr: 0.1, maxLr: 1 }), /CyclicLR: cycleMomentum needs/);
  assert.throws(
    () => new optim.CyclicLR(sgd(), { baseLr: 0.1, maxLr: 1, mode: 'zigzag' as 'triangular' }),
    /CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range', got 'zigzag'/,
  );
});

test('CyclicLR: Adam beta1 is cycled (PyTorch 2.x), beta2 kept; a custom scaleFn per iteration', () => {
  const opt = new optim.Adam([tensor([0], { requiresGrad: true })], { lr: 1e-3, betas: [0.9, 0.99] });
  const s = new optim.CyclicLR(opt, {
    baseLr: 0.01,
    maxLr: 0.03,
    stepSizeUp: 2,
    scaleFn: (x) => 1 / (1 + x),
    scaleMode: 'iterations',
  });
  // construction sets beta1 to baseMomentum, then step 0 (at the base rate) to maxMomentum
  assert.deepEqual(opt.paramGroups[0].betas, [0.9, 0.99]);
  s.step(); // x = 0.5 of the way up, amplitude 1/2
  assertClose([opt.paramGroups[0].lr, opt.paramGroups[0].betas[0]], [0.01 + 0.02 * 0.5 * 0.5, 0.9 - 0.1 * 0.5 * 0.5], {
    atol: 1e-15,
    rtol: 1e-12,
  });
  assert.equal(opt.paramGroups[0].betas[1], 0.99);
});

test('OneCycleLR per batch from fit(): the run ends at the cycle end and a resumed scheduler continues', async () => {
  const model = new nn.Linear(2, 2);
  const x = tensor([
    [0, 1],
    [1, 0],
    [1, 1],
    [0, 0],
    [2, 1],
    [1, 2],
  ]);
  const y = tensor([0, 1, 1, 0, 1, 0], { dtype: 'int32' });
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const sched = new optim.OneCycleLR(opt, { maxLr: 0.2, epochs: 3, stepsPerEpoch: 2 });
  const h = await train.fit(
    model,
    { x, y },
    {
      epochs: 3,
      batchSize: 3,
      optimizer: opt,
      seed: 1,
      verbose: 0,
      callbacks: [new train.LRSchedulerCallback(sched, { interval: 'batch' })],
    },
  );
  assert.equal(sched.lastEpoch, 6);
  assertClose(
    h.get('lr'),
    [0, 2, 4].map((t) => sched.lrAt(t)[0]),
    { atol: 1e-12, rtol: 1e-9 },
  );
  // step totalSteps - 1 has the final rate initial / finalDivFactor; step totalSteps (the last
  // batch's step) extrapolates the cosine past it, as PyTorch does
  assertClose(sched.lrAt(5), [0.2 / 25 / 1e4], { atol: 1e-15, rtol: 1e-9 });
  assertClose([opt.paramGroups[0].lr], sched.lrAt(6), { atol: 1e-15, rtol: 1e-12 });
  const sd = JSON.parse(JSON.stringify(sched.stateDict()));
  const opt2 = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const again = new optim.OneCycleLR(opt2, { maxLr: 0.2, totalSteps: 6 });
  again.loadStateDict(sd);
  assert.equal(again.lastEpoch, 6);
  assert.throws(() => again.step(), /tried to step 8 times/);
});

test('OneCycleLR resumed from a checkpoint continues bitwise (rate and momentum restored)', async () => {
  const x = tensor([
    [0, 1],
    [1, 0],
    [1, 1],
    [0, 0],
    [2, 1],
    [1, 2],
    [2, 2],
    [0, 2],
  ]);
  const y = tensor([0, 1, 1, 0, 1, 0, 1, 0], { dtype: 'int32' });
  const setup = (seed: number) => {
    manualSeed(seed);
    const model = new nn.Linear(2, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const sched = new optim.OneCycleLR(opt, { maxLr: 0.3, epochs: 2, stepsPerEpoch: 2 });
    return { model, opt, cb: new train.LRSchedulerCallback(sched, { interval: 'batch' }) };
  };
  const run = (s: ReturnType<typeof setup>, epochs: number, extra: train.Callback[] = [], resume?: string) =>
    train.fit(
      s.model,
      { x, y },
      { epochs, batchSize: 4, optimizer: s.opt, callbacks: [s.cb, ...extra], seed: 3, verbose: 0, resume },
    );
  const a = setup(1);
  await run(a, 2);
  const dir = mkdtempSync(join(tmpdir(), 'convkit-onecycle-'));
  try {
    const b = setup(1);
    await run(b, 1, [new train.ModelCheckpoint(join(dir, 'last.safetensors'))]);
    const c = setup(99);
    await run(c, 2, [], join(dir, 'last.safetensors'));
    assert.deepEqual(
      c.model.parameters().map((p) => Array.from(p.data)),
      a.model.parameters().map((p) => Array.from(p.data)),
    );
    assert.deepEqual(c.opt.paramGroups[0].lr, a.opt.paramGroups[0].lr);
    assert.deepEqual(c.opt.paramGroups[0].momentum, a.opt.paramGroups[0].momentum);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
