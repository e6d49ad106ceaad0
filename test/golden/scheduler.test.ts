import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, optim } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';
import { loadFixtures, type Kwargs } from './golden.js';

/** One learning-rate sequence from torch.optim.lr_scheduler. */
interface SchedCase {
  scheduler: string;
  name: string;
  lr: number;
  kwargs: Kwargs;
  lrs: number[];
  metrics?: number[];
}

type Opt = optim.Optimizer<optim.BaseHyper>;

function make(c: SchedCase, opt: Opt): { step(metric?: number): void } {
  const k = c.kwargs;
  const num = (key: string): number => k[key] as number;
  switch (c.scheduler) {
    case 'StepLR':
      return new optim.StepLR(opt, num('step_size'), num('gamma'));
    case 'MultiStepLR':
      return new optim.MultiStepLR(opt, k.milestones as number[], num('gamma'));
    case 'ExponentialLR':
      return new optim.ExponentialLR(opt, num('gamma'));
    case 'CosineAnnealingLR':
      return new optim.CosineAnnealingLR(opt, num('T_max'), num('eta_min'));
    case 'LinearWarmup': {
      const after = k.after === 'CosineAnnealingLR' ? new optim.CosineAnnealingLR(opt, num('T_max')) : undefined;
      return new optim.LinearWarmup(opt, num('total_iters'), { startFactor: num('start_factor'), after });
    }
    case 'ReduceLROnPlateau': {
      const s = new optim.ReduceLROnPlateau(opt, {
        mode: k.mode as 'min' | 'max',
        factor: num('factor'),
        patience: num('patience'),
        threshold: num('threshold'),
        thresholdMode: (k.threshold_mode as 'rel' | 'abs' | undefined) ?? 'rel',
        cooldown: (k.cooldown as number | undefined) ?? 0,
        minLr: (k.min_lr as number | undefined) ?? 0,
      });
      return { step: (m?: number) => s.step(m as number) };
    }
    default:
      assert.fail(`unknown scheduler ${c.scheduler}`);
  }
}

for (const c of loadFixtures<SchedCase>('scheduler')) {
  test(`golden ${c.name}`, () => {
    const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: c.lr });
    const s = make(c, opt);
    const lrs = [opt.paramGroups[0].lr];
    for (let e = 1; e < c.lrs.length; e++) {
      s.step(c.metrics?.[e - 1]);
      lrs.push(opt.paramGroups[0].lr);
    }
    // the fixture rounds to 7 significant digits
    assertClose(lrs, c.lrs, { atol: 1e-12, rtol: 1e-6, msg: c.name });
  });
}
