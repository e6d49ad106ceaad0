// One state-dict type (nn.StateDict, a Map) flows between Module, io and checkpoints; a plain
// record is accepted wherever a state dict is read (issue 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io, manualSeed, nn, tensor, type Tensor } from '../../../src/index.js';

test('model.stateDict() goes straight into io.serializeSafetensors and back through loadStateDict', () => {
  manualSeed(1);
  const a = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  const sd: nn.StateDict = a.stateDict();
  const bytes = io.serializeSafetensors(sd, { note: 'map input' });
  const back = io.deserializeSafetensors(bytes);
  assert.deepEqual(Object.keys(back.tensors).sort(), [...sd.keys()].sort());
  manualSeed(2);
  const b = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  b.loadStateDict(back.tensors); // a record is a StateDictLike
  for (const [k, t] of b.stateDict()) assert.deepEqual(t.toFlatArray(), (sd.get(k) as Tensor).toFlatArray(), k);
  // a record and a Map serialise to the same bytes
  assert.deepEqual(io.serializeSafetensors(Object.fromEntries(sd), { note: 'map input' }), bytes);
});

test('state dicts with non-Tensor values or of the wrong kind are refused naming the key', () => {
  const m = new nn.Linear(2, 1);
  assert.throws(() => m.loadStateDict(new Map([['weight', [[1, 2]]]]) as never), {
    message: "Linear.loadStateDict: 'weight' is not a Tensor (got an array)",
  });
  assert.throws(
    () => m.loadStateDict(tensor([1]) as never),
    /Linear.loadStateDict: expected a state dict \(a Map or a record of names to Tensors\), got a Tensor/,
  );
  assert.throws(() => io.serializeSafetensors({ w: 3 } as never), {
    message: "serializeSafetensors: 'w' is not a Tensor (got the number 3)",
  });
});
