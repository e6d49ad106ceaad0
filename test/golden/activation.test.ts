import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/index.js';
import { checkCase, loadFixtures, req } from './golden.js';

for (const c of loadFixtures('activation')) {
  test(`golden ${c.name}`, () => {
    const k = c.kwargs;
    checkCase(c, (inp) => {
      const x = req(inp, 'input');
      switch (c.op) {
        case 'softmax':
          return F.softmax(x, k.dim as number);
        case 'log_softmax':
          return F.logSoftmax(x, k.dim as number);
        case 'gelu':
          return F.gelu(x, { approximate: k.approximate as 'none' | 'tanh' });
        case 'elu':
          return F.elu(x, k.alpha as number);
        case 'leaky_relu':
          return F.leakyRelu(x, k.negative_slope as number);
        case 'silu':
          return F.silu(x);
        case 'selu':
          return F.selu(x);
        default:
          assert.fail(`unknown op ${c.op}`);
      }
    });
  });
}
