import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, type Tensor } from '../../src/index.js';
import { assertMatches, loadFixtures, toTensor, type Kwargs, type OptimCase } from './golden.js';

/** torch snake_case keyword names to convkit camelCase (betas lists stay lists). */
function camel(k: Kwargs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(k)) out[key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())] = v;
  return out;
}

type Params = Tensor[] | { params: Tensor[] }[];

function make(name: string, params: Params, kw: Record<string, unknown>): optim.Optimizer<optim.BaseHyper> {
  switch (name) {
    case 'SGD':
      return new optim.SGD(params as optim.ParamsInput<optim.SGDHyper>, kw as Partial<optim.SGDHyper> & { lr: number });
    case 'Adam':
      return new optim.Adam(params as optim.ParamsInput<optim.AdamHyper>, kw as Partial<optim.AdamHyper>);
    case 'AdamW':
      return new optim.AdamW(params as optim.ParamsInput<optim.AdamHyper>, kw as Partial<optim.AdamHyper>);
    case 'RMSprop':
      return new optim.RMSprop(params as optim.ParamsInput<optim.RMSpropHyper>, kw as Partial<optim.RMSpropHyper>);
    case 'Adagrad':
      return new optim.Adagrad(params as optim.ParamsInput<optim.AdagradHyper>, kw as Partial<optim.AdagradHyper>);
    default:
      assert.fail(`unknown optimizer ${name}`);
  }
}

for (const c of loadFixtures<OptimCase>('optim')) {
  test(`golden ${c.name}`, () => {
    const params = c.params.map((p) => toTensor(p, true));
    // with "groups", each parameter sits in its own group with those overrides
    const groups = c.groups?.map((g, i) => ({ params: [params[i]], ...camel(g) }));
    const opt = make(c.optimizer, groups ?? params, camel(c.kwargs));
    c.grads.forEach((gs, step) => {
      params.forEach((p, i) => {
        p.grad = toTensor(gs[i]);
      });
      opt.step();
      params.forEach((p, i) => assertMatches(p, c.trajectory[step][i], `${c.name} step ${step + 1} param ${i}`));
    });
  });
}
