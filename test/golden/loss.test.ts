import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/index.js';
import { checkCase, loadFixtures, req } from './golden.js';

for (const c of loadFixtures('loss')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    const reduction = k.reduction as F.Reduction;
    checkCase(c, (inp) => {
      const x = req(inp, 'input'),
        t = req(inp, 'target');
      const weight = inp.weight ?? null;
      switch (c.op) {
        case 'cross_entropy':
          return F.crossEntropy(x, t, {
            reduction,
            weight,
            ignoreIndex: k.ignore_index as number | undefined,
            labelSmoothing: k.label_smoothing as number | undefined,
          });
        case 'nll_loss':
          return F.nllLoss(x, t, { reduction, weight, ignoreIndex: k.ignore_index as number | undefined });
        case 'binary_cross_entropy':
          return F.binaryCrossEntropy(x, t, { reduction, weight });
        case 'binary_cross_entropy_with_logits':
          return F.binaryCrossEntropyWithLogits(x, t, { reduction, weight, posWeight: inp.pos_weight ?? null });
        case 'mse_loss':
          return F.mseLoss(x, t, { reduction });
        case 'l1_loss':
          return F.l1Loss(x, t, { reduction });
        case 'multi_margin_loss':
          return F.multiMarginLoss(x, t, {
            reduction,
            weight,
            p: (k.p as 1 | 2 | undefined) ?? 1,
            margin: (k.margin as number | undefined) ?? 1,
          });
        default:
          assert.fail(`unknown op ${c.op}`);
      }
    });
  });
}
