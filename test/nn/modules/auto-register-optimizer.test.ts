// The optimizer's hint when a model registered no parameters (layers kept in a plain array or
// Map, which neither PyTorch nor convkit registers), and the fix it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, nn, optim } from '../../../src/index.js';

test('an optimizer over zero parameters says why that usually happens', () => {
  class InAnArray extends nn.Module {
    layers = [new nn.Linear(2, 2), new nn.Linear(2, 1)];
    forward(x: Tensor): Tensor {
      return this.layers.reduce((h, l) => l.call(h), x);
    }
  }
  const m = new InAnArray();
  assert.equal(m.parameters().length, 0, 'a plain array is not registered, as in PyTorch');
  assert.throws(
    () => new optim.SGD(m.parameters(), { lr: 0.1 }),
    (e: Error) =>
      e instanceof RangeError &&
      /^SGD: got an empty parameter list\. /.test(e.message) &&
      /plain array, Map or object are not registered \(use nn\.ModuleList, or registerModule\(name, layer\) for each\)/.test(
        e.message,
      ) &&
      /nn\.Parameter\(t\)/.test(e.message),
  );
  assert.throws(() => new optim.Adam([], { lr: 0.1 }), /^RangeError: Adam: got an empty parameter list/);
  // the fix the message names
  class InAList extends nn.Module {
    layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 1)]);
    forward(x: Tensor): Tensor {
      let h = x;
      for (const l of this.layers) h = l.call(h);
      return h;
    }
  }
  const fixed = new InAList();
  assert.equal(fixed.parameters().length, 4);
  assert.doesNotThrow(() => new optim.SGD(fixed.parameters(), { lr: 0.1 }));
});
