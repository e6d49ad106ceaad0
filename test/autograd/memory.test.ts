import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tensor, Tensor } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Lets the current job end (WeakRef targets stay alive until then), then collects. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

function step(x: Tensor, retainGraph: boolean): { loss: Tensor; ref: WeakRef<Tensor> } {
  const h = x.mul(2).exp();
  const ref = new WeakRef(h);
  const loss = h.mul(h).sum();
  loss.backward(undefined, { retainGraph });
  return { loss, ref };
}

test('intermediates are freed after backward even while the loss is kept', async () => {
  const x = tensor(new Float32Array(1000).fill(0.1), [1000], { requiresGrad: true });
  const released = step(x, false);
  const retained = step(x, true);
  await collect();
  assert.equal(released.ref.deref(), undefined, 'the intermediate of a released graph should be collectable');
  // control: a retained graph keeps the intermediate reachable from the loss
  assert.notEqual(retained.ref.deref(), undefined);
  assert.notEqual(retained.loss.gradFn, null);
  assert.equal(released.loss.gradFn, null);
});

/** A training loop that keeps each step's loss (as a loop logging losses would) and WeakRefs to one intermediate per step. */
function train(w: Tensor, steps: number): { refs: WeakRef<Tensor>[]; losses: Tensor[] } {
  const refs: WeakRef<Tensor>[] = [];
  const losses: Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    const h = w.mul(w).add(1);
    refs.push(new WeakRef(h));
    const loss = h.log().sum();
    loss.backward();
    losses.push(loss);
  }
  return { refs, losses };
}

test('memory stays flat across training steps', async () => {
  const w = tensor(new Float32Array(20000).fill(0.01), [20000], { requiresGrad: true });
  const { refs, losses } = train(w, 50);
  await collect();
  assert.deepEqual(
    refs.map((r, i) => (r.deref() === undefined ? -1 : i)).filter((i) => i >= 0),
    [],
  );
  assert.equal(losses.length, 50);
  assert.equal(w.grad?.gradFn, null);
});
