import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/index.js';
import { assertMatches, checkCase, loadFixtures, req } from './golden.js';

for (const c of loadFixtures('norm')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    const inp = checkCase(c, (inp) => {
      const x = req(inp, 'input');
      switch (c.op) {
        case 'batch_norm':
          return F.batchNorm(x, req(inp, 'running_mean'), req(inp, 'running_var'), inp.weight, inp.bias, {
            training: k.training as boolean,
            momentum: k.momentum as number,
            eps: k.eps as number,
          });
        case 'layer_norm':
          return F.layerNorm(x, k.normalized_shape as number[], inp.weight, inp.bias, { eps: k.eps as number });
        case 'local_response_norm':
          return F.localResponseNorm(x, k.size as number, {
            alpha: k.alpha as number,
            beta: k.beta as number,
            k: k.k as number,
          });
        default:
          assert.fail(`unknown op ${c.op}`);
      }
    });
    if (c.op === 'batch_norm') {
      // running statistics after the call: updated in training, untouched in eval
      assert.ok(c.extra);
      assertMatches(req(inp, 'running_mean'), c.extra.running_mean, `${c.name} running_mean`);
      assertMatches(req(inp, 'running_var'), c.extra.running_var, `${c.name} running_var`);
    }
  });
}
